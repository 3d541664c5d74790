import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('manual trigger through the REST API', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  it('runs a command task once and stores its output and exit code', async () => {
    const created = await t.request('POST', '/api/v1/tasks', { name: 'echo', command: '/bin/echo', args: ['hello', 'world'] });
    assert.equal(created.status, 201);
    const finished = t.server.events.wait('execution.finished');
    const triggered = await t.request('POST', `/api/v1/tasks/${created.body.id}/trigger`, { parameters: { force_sync: true } });
    assert.equal(triggered.status, 202);
    assert.equal(triggered.body.trigger, 'manual');
    assert.deepEqual(triggered.body.parameters, { force_sync: true });
    await finished;
    const execution = await t.request('GET', `/api/v1/executions/${triggered.body.id}`);
    assert.equal(execution.body.status, 'success');
    assert.equal(execution.body.exit_code, 0);
    const logs = await t.request('GET', `/api/v1/executions/${triggered.body.id}/logs`);
    assert.equal(logs.body.items.map((item: { chunk: string }) => item.chunk).join(''), 'hello world\n');
  });
});
