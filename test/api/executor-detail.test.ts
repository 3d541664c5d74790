// One executor over REST (GET /executors/{id}), what the console's executor page reads:
// the same view as its row in the list, with its load; its executions are
// GET /executions?executor_id=…. An offline executor never reads as healthy, whatever its
// last health check said: not on its own, in the list, nor in the system status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { watchExecutions, type ExecutionWatch } from './execution-watch.ts';

describe('one executor over REST', () => {
  let t: TestServer;
  let watch: ExecutionWatch;
  before(async () => {
    t = await startTestServer({ capacity: 4 }); // the local agent runs the sleeper below
    watch = watchExecutions(t);
  });
  after(async () => {
    watch.stop();
    await t.close();
  });

  const listed = async (id: string) => ((await t.request('GET', '/api/v1/executors')).body.items as Array<Record<string, unknown>>).find((item) => item.id === id);
  const register = async (instanceId: string) => {
    const response = await t.request('POST', '/api/v1/executors/register', { name: instanceId, instance_id: instanceId, base_url: 'http://127.0.0.1:9', labels: { zone: 'b' } });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body.id as string;
  };

  it('answers the executor as the list shows it, with what runs on it now', async () => {
    const local = (await t.request('GET', '/api/v1/executors')).body.items.find((item: { kind: string }) => item.kind === 'agent');
    const task = await t.request('POST', '/api/v1/tasks', { name: 'detail-sleeper', command: 'sleep 30', shell: true });
    assert.equal(task.status, 201, JSON.stringify(task.body));
    const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`);
    assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
    await watch.started(triggered.body.id);

    const one = await t.request('GET', `/api/v1/executors/${local.id}`);
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.equal(one.body.id, local.id);
    assert.equal(one.body.name, 'local');
    assert.equal(one.body.status, 'online');
    assert.equal(one.body.is_healthy, true);
    assert.equal(one.body.capacity, 4);
    assert.equal(one.body.running, 1, 'the sleeper runs on it');
    assert.ok(Array.isArray(one.body.runners) && one.body.runners.length > 0);
    // A heartbeat may land between the two reads (a loaded machine took 5 s between them).
    const { heartbeat_age_ms: _age, last_heartbeat: _beat, ...withoutAge } = one.body;
    const { heartbeat_age_ms: _listedAge, last_heartbeat: _listedBeat, ...listedWithoutAge } = (await listed(local.id))!;
    assert.deepEqual(withoutAge, listedWithoutAge);

    const executions = await t.request('GET', `/api/v1/executions?executor_id=${local.id}&status=running`);
    assert.deepEqual(
      executions.body.items.map((execution: { id: string }) => execution.id),
      [triggered.body.id],
    );
    const stopped = await t.request('POST', `/api/v1/executions/${triggered.body.id}/stop`, { force: true });
    assert.equal(stopped.status, 202, JSON.stringify(stopped.body));
    await watch.finished(triggered.body.id);
  });

  it('answers 404 not_found for an executor that does not exist', async () => {
    const response = await t.request('GET', '/api/v1/executors/no-such-executor');
    assert.equal(response.status, 404);
    assert.equal(response.body.error.code, 'not_found');
    assert.deepEqual(response.body.error.details, { id: 'no-such-executor' });
  });

  it('lets a viewer read it, and nobody without credentials', async () => {
    const id = await register('detail-viewer');
    const token = (await t.request('POST', '/api/v1/tokens', { name: 'detail-viewer', role: 'viewer' })).body.token as string;
    const read = await t.request('GET', `/api/v1/executors/${id}`, undefined, token);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.labels, { zone: 'b' });
    const anonymous = await t.request('GET', `/api/v1/executors/${id}`, undefined, null);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error.code, 'unauthorized');
  });

  it('never shows an offline executor as healthy, and shows it healthy again once back online', async () => {
    // No health check URL: nothing checks it, so its stored verdict stays "healthy" throughout.
    const id = await register('detail-offline');
    assert.equal((await t.request('GET', `/api/v1/executors/${id}`)).body.is_healthy, true);
    assert.equal((await t.request('PUT', `/api/v1/executors/${id}/status`, { status: 'offline' })).status, 200);

    const one = await t.request('GET', `/api/v1/executors/${id}`);
    assert.equal(one.body.status, 'offline');
    assert.equal(one.body.is_healthy, false);
    assert.equal((await listed(id))!.is_healthy, false);
    const system = await t.request('GET', '/api/v1/system/status');
    assert.equal(system.body.executor_list.find((item: { id: string }) => item.id === id).is_healthy, false);

    // Maintenance drains but the executor is reachable: it stays healthy.
    assert.equal((await t.request('PUT', `/api/v1/executors/${id}/status`, { status: 'maintenance' })).body.is_healthy, true);
    assert.equal((await t.request('PUT', `/api/v1/executors/${id}/status`, { status: 'online' })).body.is_healthy, true);
  });
});
