// The example requests of seed 001 §5 and DESIGN.md §7, sent exactly as written.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { designCommandBody as designExample, seedCreateBody } from '../helpers/example-bodies.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// The command body under another name, so both can exist at once.
const designCommandBody = { ...designExample, name: 'data_sync_command' };

describe('the documented example requests', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ clock: new FakeClock('2026-01-05T00:01:30.000Z'), executor: false });
  });
  after(() => t.close());

  it("creates seed 001's example task as a handler task named after itself", async () => {
    const created = await t.request('POST', '/api/v1/tasks', seedCreateBody);
    assert.equal(created.status, 201);
    assert.equal(created.body.type, 'handler');
    assert.equal(created.body.handler, 'data_sync_task');
    assert.equal(created.body.status, 'active');
    assert.equal(created.body.timezone, 'UTC');
    for (const [key, value] of Object.entries(seedCreateBody)) assert.deepEqual(created.body[key], value, key);
    assert.equal(created.body.next_fire_at, '2026-01-05T00:05:00.000Z');
    const stored = await t.request('GET', `/api/v1/tasks/${created.body.id}`);
    assert.deepEqual(stored.body, created.body);
  });

  it("lists tasks with seed 001's query string", async () => {
    assert.equal((await t.request('POST', '/api/v1/tasks', { ...seedCreateBody, name: 'data_sync_listed' })).status, 201);
    const list = await t.request('GET', '/api/v1/tasks?status=active&page=1&page_size=20');
    assert.equal(list.status, 200);
    assert.deepEqual(Object.keys(list.body).sort(), ['items', 'page', 'page_size', 'total']);
    assert.ok(list.body.items.some((task: { name: string }) => task.name === 'data_sync_listed'));
  });

  it("triggers with seed 001's body: 202 and parameters merged over the task's", async () => {
    const task = (await t.request('POST', '/api/v1/tasks', { ...seedCreateBody, name: 'data_sync_triggered' })).body;
    const triggered = await t.request('POST', `/api/v1/tasks/${task.id}/trigger`, { parameters: { force_sync: true } });
    assert.equal(triggered.status, 202);
    assert.equal(triggered.body.task_id, task.id);
    assert.equal(triggered.body.trigger, 'manual');
    assert.equal(triggered.body.status, 'pending');
    assert.deepEqual(triggered.body.parameters, { source: 'database_a', target: 'database_b', force_sync: true });
    const execution = await t.request('GET', `/api/v1/executions/${triggered.body.id}`);
    assert.equal(execution.status, 200);
    assert.deepEqual(execution.body.parameters, triggered.body.parameters);
  });

  it("creates DESIGN.md's command task with every field kept", async () => {
    const created = await t.request('POST', '/api/v1/tasks', designCommandBody);
    assert.equal(created.status, 201);
    for (const [key, value] of Object.entries(designCommandBody)) assert.deepEqual(created.body[key], value, key);
    assert.equal(created.body.next_fire_at, '2026-01-05T00:05:00.000Z');
  });
});
