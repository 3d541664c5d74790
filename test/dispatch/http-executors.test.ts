// HTTP executors end to end (seed 001 §4.2, §5.2, §5.3): a real server, a real HTTP
// executor on loopback, work pushed to it and reported back through the callback.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { watchExecutions, type ExecutionWatch } from '../api/execution-watch.ts';
import { removeTestData } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { deadUrl, HttpExecutorHarness, signature, type CallbackAuth, type RunRequest } from './http-executor-harness.ts';

const seedTask = { name: 'data_sync_task', parameters: { source: 'database_a', target: 'database_b' } };

describe('HTTP executors', () => {
  let t: TestServer;
  let executor: HttpExecutorHarness;
  let watch: ExecutionWatch;
  const leftDirs: string[] = [];

  beforeEach(async () => {
    t = await startTestServer({ executor: false });
    executor = await HttpExecutorHarness.start();
    watch = watchExecutions(t);
  });
  afterEach(async () => {
    watch.stop();
    // The executor first: it waits for its callbacks under way, whose replies the server
    // may still be writing after the execution.finished event a test awaited.
    await executor.close();
    await t.close();
    for (const dir of leftDirs.splice(0)) await removeTestData(dir);
  });

  async function register(harness: HttpExecutorHarness, instanceId: string, extra: Record<string, unknown> = {}): Promise<string> {
    const response = await t.request('POST', '/api/v1/executors/register', { ...harness.registration(instanceId), ...extra });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    harness.adopt(response.body);
    return response.body.id;
  }

  async function trigger(body: Record<string, unknown> = seedTask): Promise<string> {
    const task = await t.request('POST', '/api/v1/tasks', body);
    assert.equal(task.status, 201, JSON.stringify(task.body));
    const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, { parameters: { force_sync: true } });
    assert.equal(triggered.status, 202);
    return triggered.body.id;
  }

  /** Triggers the seed task and returns the push its executor received (which then reports nothing by itself). */
  async function runningExecution(): Promise<RunRequest> {
    executor.outcome = () => null;
    return executor.run(await trigger());
  }

  const execution = async (id: string) => (await t.request('GET', `/api/v1/executions/${id}`)).body;
  const logLines = async (id: string) => (await t.request('GET', `/api/v1/executions/${id}/logs`)).body.items.map((item: { seq: number; stream: string; chunk: string }) => [item.seq, item.stream, item.chunk]);

  it('pushes an execution to a registered executor and finishes it from the callback', async () => {
    const executorId = await register(executor, 'dp-001');
    const id = await trigger();
    const run = await executor.run(id);
    assert.equal(run.attempt, 1);
    assert.equal(run.task_name, 'data_sync_task');
    assert.equal(run.type, 'handler');
    assert.deepEqual(run.spec, { handler: 'data_sync_task' });
    assert.deepEqual(run.parameters, { source: 'database_a', target: 'database_b', force_sync: true });
    assert.equal(run.callback_url, `${t.url}/api/v1/executions/${id}/callback`);
    assert.equal(await watch.finished(id), 'success');
    const finished = await execution(id);
    assert.equal(finished.executor_id, executorId);
    assert.deepEqual(finished.result, { processed_records: 1000 });
    assert.notEqual(finished.start_time, null);
    assert.deepEqual(await logLines(id), [[1, 'stdout', 'Task completed successfully']]);
  });

  it('appends the logs of progress callbacks in order and records the final report', async () => {
    await register(executor, 'dp-001');
    const run = await runningExecution();
    assert.equal((await executor.callback(run, { status: 'running', logs: 'step 1\n' })).status, 200);
    const started = await execution(run.id);
    assert.equal(started.status, 'running');
    assert.notEqual(started.start_time, null);
    assert.equal((await executor.callback(run, { status: 'running', logs: 'step 2\n' })).status, 200);
    const final = await executor.callback(run, { status: 'failed', exit_code: 2, error: 'disk full', logs: 'giving up\n' });
    assert.equal(final.status, 200);
    assert.equal(final.body.status, 'failed');
    assert.equal(final.body.exit_code, 2);
    assert.equal(final.body.error, 'disk full');
    assert.equal((await execution(run.id)).start_time, started.start_time);
    assert.deepEqual(await logLines(run.id), [
      [1, 'stdout', 'step 1\n'],
      [2, 'stdout', 'step 2\n'],
      [3, 'stdout', 'giving up\n'],
    ]);
  });

  it('refuses a callback not signed by the executor the execution is assigned to, and changes nothing', async () => {
    await register(executor, 'dp-001');
    const other = await HttpExecutorHarness.start();
    try {
      await register(other, 'dp-002', { runners: ['command'] }); // never chosen for the handler task
      const run = await runningExecution();
      const now = Math.floor(Date.now() / 1000);
      const forgeries: Array<[string, CallbackAuth]> = [
        ['a wrong secret', { secret: 'cfh_not-a-secret' }],
        ["another executor's id and secret", { executorId: other.executorId, secret: other.secret }],
        ["this executor's id signed with another's secret", { secret: other.secret }],
        ['the admin token as the secret', { secret: t.token }],
        ['a timestamp 6 minutes old', { timestamp: now - 360 }],
        ['a timestamp 6 minutes ahead', { timestamp: now + 360 }],
        ['no timestamp', { timestamp: null }],
        ['no signature', { signature: null }],
        ['no executor id', { executorId: null }],
        ['an unknown executor id', { executorId: 'no-such-executor' }],
        [
          'a signature of another body',
          {
            signature: signature(executor.secret, { route: 'callback', executorId: executor.executorId, executionId: run.id, timestamp: now, nonce: 'n0nce-0123456789abcdef', rawBody: '{"status":"failed"}' }),
            nonce: 'n0nce-0123456789abcdef',
          },
        ],
        ['a signature for another execution of this executor', { executionId: 'another-execution' }],
        [
          'a signature made for a /run push, not a callback',
          {
            signature: signature(executor.secret, { route: 'run', executorId: executor.executorId, executionId: run.id, timestamp: now, nonce: 'n0nce-0123456789abcdef', rawBody: '{"status":"success","logs":"forged"}' }),
            nonce: 'n0nce-0123456789abcdef',
          },
        ],
        ['no nonce', { nonce: null }],
        ['a nonce too short to be random', { nonce: 'abc' }],
        ['a v1 signature (timestamp and body only)', { signature: `v1=${createHmac('sha256', executor.secret).update(`${now}.{"status":"success","logs":"forged"}`).digest('hex')}` }],
      ];
      for (const [what, auth] of forgeries) {
        const refused = await executor.callback(run, { status: 'success', logs: 'forged' }, auth);
        assert.equal(refused.status, 401, what);
        assert.equal(refused.body.error.code, 'unauthorized', what);
      }
      const bearer = await fetch(run.callback_url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${executor.secret}` }, body: '{"status":"success"}' });
      assert.equal(bearer.status, 401, 'the old bearer form is not accepted');
      const notJson = await fetch(run.callback_url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
      assert.equal(notJson.status, 401, 'an unsigned caller learns nothing about the body');
      assert.equal((await execution(run.id)).status, 'running');
      assert.deepEqual(await logLines(run.id), []);
      // Signed with a timestamp within 5 minutes it is accepted.
      assert.equal((await executor.callback(run, { status: 'success' }, { timestamp: now - 240 })).status, 200);
    } finally {
      await other.close();
    }
  });

  it('signs each push with the executor id, a timestamp, a nonce and an HMAC the executor can verify', async () => {
    await register(executor, 'dp-001');
    const run = await runningExecution();
    assert.deepEqual(executor.refusedPushes, [], 'the harness verified the push (executor id, timestamp, signature)');
    await t.request('POST', `/api/v1/executions/${run.id}/stop`);
    await executor.stopOf(run.id);
    assert.deepEqual(executor.refusedPushes, []);
    // An executor that does not know the secret (here: told another one) refuses the push, and the execution fails as not taken.
    executor.secret = 'cfh_someone-else';
    const refusedRun = await trigger({ name: 'refused', handler: 'x' });
    await watch.finished(refusedRun);
    assert.match(executor.refusedPushes[0] ?? '', /bad signature/);
    const failed = await execution(refusedRun);
    assert.equal(failed.status, 'failed');
    assert.match(failed.error, /HTTP 401/);
  });

  it('pushes the real value of a secret parameter and masks it in what the executor reports back', async () => {
    await register(executor, 'dp-001');
    executor.outcome = () => null;
    const id = await trigger({ name: 'with_secret', handler: 'x', parameters: { api_key: { secret: 'ak-Hd73-only-the-executor-sees' } } });
    const run = await executor.run(id);
    assert.equal(run.parameters.api_key, 'ak-Hd73-only-the-executor-sees');
    const reported = await executor.callback(run, {
      status: 'failed',
      result: { echoed: 'key ak-Hd73-only-the-executor-sees' },
      error: 'bad key ak-Hd73-only-the-executor-sees',
      logs: 'using ak-Hd73-only-the-executor-sees\n',
    });
    assert.equal(reported.status, 200);
    const view = await execution(id);
    assert.deepEqual(view.parameters.api_key, { secret: true });
    assert.deepEqual(view.result, { echoed: 'key ******' });
    assert.equal(view.error, 'bad key ******');
    assert.deepEqual(await logLines(id), [[1, 'stdout', 'using ******\n']]);
    assert.ok(!JSON.stringify(reported.body).includes('ak-Hd73'));
  });

  it('answers 404 for an unknown execution and 409 for one that already ended', async () => {
    await register(executor, 'dp-001');
    const unknown = await executor.callback({ callback_url: `${t.url}/api/v1/executions/no-such-execution/callback` }, { status: 'success' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'execution_not_found');
    const run = await runningExecution();
    assert.equal((await executor.callback(run, { status: 'success' })).status, 200);
    const again = await executor.callback(run, { status: 'failed', logs: 'late' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'invalid_state');
    assert.equal((await execution(run.id)).status, 'success');
    assert.deepEqual(await logLines(run.id), []);
  });

  it('fails an execution whose push cannot reach the executor with reason push_failed, and retries it', async () => {
    await register(executor, 'dp-001', { base_url: await deadUrl() });
    const task = await t.request('POST', '/api/v1/tasks', { ...seedTask, max_retry: 1, retry_backoff_seconds: 1 });
    // The second dispatch of the task is its retry's (the first may come before the trigger answers).
    let dispatches = 0;
    const retryDispatched = t.server.events.wait('execution.dispatched', (event) => event.taskId === task.body.id && ++dispatches === 2);
    const id = (await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {})).body.id;
    assert.equal(await watch.finished(id), 'failed');
    const failed = await execution(id);
    assert.equal(failed.reason, 'push_failed');
    assert.match(failed.error, /\/run failed/);
    const { executionId: retryId } = await retryDispatched;
    assert.equal((await execution(retryId)).retry_of, id);
    assert.equal(await watch.finished(retryId), 'failed');
    assert.equal((await execution(retryId)).reason, 'push_failed');
  });

  it('fails an execution whose push the executor refuses with a non-2xx status', async () => {
    await register(executor, 'dp-001');
    executor.runStatus = 503;
    const id = await trigger();
    assert.equal(await watch.finished(id), 'failed');
    const failed = await execution(id);
    assert.equal(failed.reason, 'push_failed');
    assert.match(failed.error, /HTTP 503/);
  });

  it('lets running work finish in maintenance, holds new work pending, and runs it once back online', async () => {
    const executorId = await register(executor, 'dp-001');
    const running = await runningExecution();
    const maintenance = await t.request('PUT', `/api/v1/executors/${executorId}/status`, { status: 'maintenance', reason: 'System maintenance' });
    assert.equal(maintenance.status, 200);
    assert.equal(maintenance.body.status, 'maintenance');
    const waiting = await trigger({ ...seedTask, name: 'second_task' });
    await t.server.dispatcher.settled();
    const pending = await execution(waiting);
    assert.equal(pending.status, 'pending');
    assert.equal(pending.reason, 'no executor is online');
    assert.equal(executor.runs.length, 1, 'nothing new was pushed');
    assert.equal((await executor.callback(running, { status: 'success' })).status, 200);
    assert.equal(await watch.finished(running.id), 'success');
    assert.equal((await execution(waiting)).status, 'pending');
    executor.outcome = () => ({ status: 'success' });
    assert.equal((await t.request('PUT', `/api/v1/executors/${executorId}/status`, { status: 'online' })).status, 200);
    assert.equal((await executor.run(waiting)).id, waiting);
    assert.equal(await watch.finished(waiting), 'success');
  });

  it('pushes a stop to the executor, which reports the execution cancelled', async () => {
    await register(executor, 'dp-001');
    const run = await runningExecution();
    assert.equal((await t.request('POST', `/api/v1/executions/${run.id}/stop`)).status, 202);
    assert.deepEqual(await executor.stopOf(run.id), { id: run.id, action: 'stop' });
    assert.equal((await executor.callback(run, { status: 'cancelled' })).status, 200);
    assert.equal(await watch.finished(run.id), 'cancelled');
  });

  it('attaches executors registered before a restart', async () => {
    await register(executor, 'dp-001');
    watch.stop();
    await t.close({ keepData: true });
    leftDirs.push(t.dataDir);
    t = await startTestServer({ executor: false, dataDir: t.dataDir });
    watch = watchExecutions(t);
    const id = await trigger();
    await executor.run(id);
    assert.equal(await watch.finished(id), 'success');
  });
});

describe('HTTP executors behind a configured public_url', () => {
  let t: TestServer;
  let executor: HttpExecutorHarness;
  before(async () => {
    t = await startTestServer({ executor: false, env: { CRONFLEET_PUBLIC_URL: 'https://cron.example.com/' } });
    executor = await HttpExecutorHarness.start();
  });
  after(async () => {
    await t.close();
    await executor.close();
  });

  it('are given that URL to call back on', async () => {
    assert.equal((await t.request('POST', '/api/v1/executors/register', executor.registration('dp-001'))).status, 201);
    executor.outcome = () => null;
    const task = await t.request('POST', '/api/v1/tasks', seedTask);
    const { id } = (await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {})).body;
    const run = await executor.run(id);
    assert.equal(run.callback_url, `https://cron.example.com/api/v1/executions/${id}/callback`);
  });
});
