// The execution page's server side: run an execution again with its own parameters
// (secrets included), and download its whole log as plain text.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { watchExecutions, type ExecutionWatch } from './execution-watch.ts';

describe('re-running an execution and downloading its log', () => {
  let t: TestServer;
  let watch: ExecutionWatch;

  before(async () => {
    t = await startTestServer();
    watch = watchExecutions(t);
  });
  after(async () => {
    watch.stop();
    await t.close();
  });

  async function createTask(body: Record<string, unknown>): Promise<string> {
    const created = await t.request('POST', '/api/v1/tasks', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  }

  async function finished(id: string): Promise<Record<string, any>> {
    await watch.finished(id);
    return (await t.request('GET', `/api/v1/executions/${id}`)).body;
  }

  it('runs the task again with the parameters of that execution, a one-off secret included', async () => {
    // Succeeds only when it runs with the secret its trigger was given, not the task's own.
    const taskId = await createTask({
      name: 'rerun-secret',
      command: 'test "$CRONFLEET_PARAM_TOKEN" = one-off && test "$CRONFLEET_PARAM_REGION" = eu',
      shell: true,
      parameters: { region: 'us', token: { secret: 'stored-secret' } },
    });
    const triggered = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, { parameters: { region: 'eu', token: { secret: 'one-off' } } });
    assert.equal(triggered.status, 202);
    const first = await finished(triggered.body.id);
    assert.equal(first.status, 'success', JSON.stringify(first));
    assert.deepEqual(first.parameters, { region: 'eu', token: { secret: true } }, 'the secret reads masked');

    const rerun = await t.request('POST', `/api/v1/executions/${first.id}/rerun`);
    assert.equal(rerun.status, 202, JSON.stringify(rerun.body));
    assert.notEqual(rerun.body.id, first.id);
    assert.equal(rerun.body.trigger, 'manual');
    assert.equal(rerun.body.task_id, taskId);
    assert.deepEqual(rerun.body.parameters, { region: 'eu', token: { secret: true } });
    const again = await finished(rerun.body.id);
    assert.equal(again.status, 'success', `the re-run got the one-off secret: ${JSON.stringify(again)}`);

    // What a client could do without the route: trigger with the parameters as read. The
    // placeholder keeps the task's stored secret, so this run fails: the route is needed.
    const asRead = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, { parameters: first.parameters });
    assert.equal(asRead.status, 202);
    assert.equal((await finished(asRead.body.id)).status, 'failed');

    const audit = await t.request('GET', '/api/v1/audit?page_size=200');
    const entry = (audit.body.items as Array<Record<string, any>>).find((item) => item.action === 'execution.rerun');
    assert.ok(entry, 'the re-run is in the audit log');
    assert.equal(entry.resource_id, first.id);
  });

  it('answers 404 for an unknown execution and for one whose task was deleted', async () => {
    const unknown = await t.request('POST', '/api/v1/executions/no-such-execution/rerun');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'execution_not_found');

    const taskId = await createTask({ name: 'rerun-deleted', command: 'true' });
    const triggered = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, {});
    await finished(triggered.body.id);
    assert.equal((await t.request('DELETE', `/api/v1/tasks/${taskId}`)).status, 204);
    const gone = await t.request('POST', `/api/v1/executions/${triggered.body.id}/rerun`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'task_not_found');
  });

  it('lets operators re-run and refuses viewers (403)', async () => {
    const taskId = await createTask({ name: 'rerun-roles', command: 'true' });
    const triggered = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, {});
    await finished(triggered.body.id);
    const token = async (role: string) => (await t.request('POST', '/api/v1/tokens', { name: `rerun-${role}`, role })).body.token as string;
    const viewer = await t.request('POST', `/api/v1/executions/${triggered.body.id}/rerun`, undefined, await token('viewer'));
    assert.equal(viewer.status, 403);
    const operator = await t.request('POST', `/api/v1/executions/${triggered.body.id}/rerun`, undefined, await token('operator'));
    assert.equal(operator.status, 202);
    await finished(operator.body.id);
  });

  it('downloads the whole log as plain text, in order, also a log longer than one read (5,000 chunks)', async () => {
    const taskId = await createTask({ name: 'text-log', command: 'echo 日志开始; echo "to stderr" >&2', shell: true });
    const triggered = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, {});
    const id = triggered.body.id as string;
    assert.equal((await finished(id)).status, 'success');
    // A long log, as an executor that wrote 6,000 separate chunks would leave it.
    const store = t.server.store;
    const first = (await store.logs.lastSeq(id)) + 1;
    for (let batch = 0; batch < 6000; batch += 500) {
      const chunks = Array.from({ length: 500 }, (_, index) => {
        const n = batch + index;
        return { seq: first + n, stream: n % 2 === 0 ? ('stdout' as const) : ('stderr' as const), chunk: `line ${n}\n`, createdAt: Date.now() };
      });
      await store.logs.append(id, chunks);
    }

    const response = await fetch(`${t.url}/api/v1/executions/${id}/logs?format=text`, { headers: { authorization: `Bearer ${t.token}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; charset=utf-8/);
    assert.equal(response.headers.get('content-disposition'), `attachment; filename="execution-${id}.log.txt"`);
    const text = await response.text();

    assert.ok(text.startsWith('日志开始\n') || text.startsWith('to stderr\n'), `the run's own output first: ${JSON.stringify(text.slice(0, 40))}`);
    assert.ok(text.includes('日志开始\n') && text.includes('to stderr\n'), 'stdout and stderr, UTF-8');
    const tail = text.slice(text.indexOf('line 0\n'));
    assert.equal(tail, Array.from({ length: 6000 }, (_, n) => `line ${n}\n`).join(''), 'every chunk once, in order');
    assert.ok(!text.includes('{"seq"'), 'plain text, not JSON');

    const after = await fetch(`${t.url}/api/v1/executions/${id}/logs?format=text&after_seq=${first + 5999 - 1}`, { headers: { authorization: `Bearer ${t.token}` } });
    assert.equal(await after.text(), 'line 5999\n', 'after_seq is honoured');
  });

  it('refuses format=text with follow, naming the field (400)', async () => {
    const taskId = await createTask({ name: 'text-follow', command: 'true' });
    const triggered = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, {});
    await finished(triggered.body.id);
    const refused = await t.request('GET', `/api/v1/executions/${triggered.body.id}/logs?format=text&follow=1`);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.details.field, 'format');
    const bad = await t.request('GET', `/api/v1/executions/${triggered.body.id}/logs?format=csv`);
    assert.equal(bad.status, 400);
    const unknown = await t.request('GET', '/api/v1/executions/no-such-execution/logs?format=text');
    assert.equal(unknown.status, 404);
  });
});
