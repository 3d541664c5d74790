// List, get, partial update, soft delete, pause and resume through the REST API.
// A fake clock makes next_fire_at exact and keeps the scheduler from firing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const start = '2026-01-05T00:00:00.000Z';

async function createTask(t: TestServer, body: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await t.request('POST', '/api/v1/tasks', { command: '/bin/true', cron_expression: '0 3 * * *', ...body });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

describe('task listing', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ clock: new FakeClock(start), executor: false });
    for (let i = 1; i <= 5; i++) await createTask(t, { name: `listed-${i}` });
    for (const name of ['listed-2', 'listed-4']) {
      const id = (await t.request('GET', `/api/v1/tasks?search=${name}`)).body.items[0].id;
      assert.equal((await t.request('POST', `/api/v1/tasks/${id}/pause`)).status, 200);
    }
  });
  after(() => t.close());

  it('answers with items, total, page and page_size', async () => {
    const list = await t.request('GET', '/api/v1/tasks');
    assert.equal(list.status, 200);
    assert.deepEqual(Object.keys(list.body).sort(), ['items', 'page', 'page_size', 'total']);
    assert.equal(list.body.total, 5);
    assert.equal(list.body.page, 1);
    assert.equal(list.body.page_size, 20);
  });

  it('filters by status', async () => {
    const names = async (status: string) => ((await t.request('GET', `/api/v1/tasks?status=${status}`)).body.items as Array<{ name: string }>).map((task) => task.name).sort();
    assert.deepEqual(await names('active'), ['listed-1', 'listed-3', 'listed-5']);
    assert.deepEqual(await names('paused'), ['listed-2', 'listed-4']);
    assert.equal((await t.request('GET', '/api/v1/tasks?status=paused')).body.total, 2);
  });

  it('pages through every task exactly once', async () => {
    const seen: string[] = [];
    for (const page of [1, 2, 3]) {
      const list = await t.request('GET', `/api/v1/tasks?page=${page}&page_size=2`);
      assert.equal(list.body.total, 5);
      assert.equal(list.body.page, page);
      assert.equal(list.body.page_size, 2);
      assert.equal(list.body.items.length, page < 3 ? 2 : 1);
      seen.push(...list.body.items.map((task: { name: string }) => task.name));
    }
    assert.deepEqual(seen.sort(), ['listed-1', 'listed-2', 'listed-3', 'listed-4', 'listed-5']);
    const beyond = await t.request('GET', '/api/v1/tasks?page=4&page_size=2');
    assert.deepEqual(beyond.body.items, []);
    assert.equal(beyond.body.total, 5);
  });
});

describe('task get, update and delete', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ clock: new FakeClock(start), executor: false });
  });
  after(() => t.close());

  it('gets a task by id exactly as it was created', async () => {
    const created = await createTask(t, { name: 'fetched', parameters: { a: 1 } });
    const fetched = await t.request('GET', `/api/v1/tasks/${created.id}`);
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.body, created);
  });

  it('updates only the fields given and bumps the version', async () => {
    const created = await createTask(t, { name: 'partial', parameters: { a: 1 }, max_retry: 2 });
    const updated = await t.request('PUT', `/api/v1/tasks/${created.id}`, { description: 'nightly cleanup' });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.description, 'nightly cleanup');
    assert.equal(updated.body.version, created.version + 1);
    for (const key of ['name', 'cron_expression', 'command', 'parameters', 'max_retry', 'next_fire_at', 'created_at']) {
      assert.deepEqual(updated.body[key], created[key], key);
    }
    assert.deepEqual((await t.request('GET', `/api/v1/tasks/${created.id}`)).body, updated.body);
  });

  it('recomputes next_fire_at when the cron expression changes', async () => {
    const created = await createTask(t, { name: 'rescheduled' });
    assert.equal(created.next_fire_at, '2026-01-05T03:00:00.000Z');
    const updated = await t.request('PUT', `/api/v1/tasks/${created.id}`, { cron_expression: '30 4 * * *' });
    assert.equal(updated.body.next_fire_at, '2026-01-05T04:30:00.000Z');
  });

  it('recomputes next_fire_at when the time zone changes', async () => {
    const created = await createTask(t, { name: 'rezoned' });
    const updated = await t.request('PUT', `/api/v1/tasks/${created.id}`, { timezone: 'Asia/Shanghai' });
    assert.equal(updated.status, 200);
    // 03:00 in Shanghai (UTC+8) is 19:00 UTC the day before; from 2026-01-05T00:00Z the next is that evening.
    assert.equal(updated.body.next_fire_at, '2026-01-05T19:00:00.000Z');
  });

  it('clears the type-specific fields of the old type when the type changes', async () => {
    const created = await createTask(t, { name: 'retyped', args: ['x'] });
    const updated = await t.request('PUT', `/api/v1/tasks/${created.id}`, { type: 'http', http: { url: 'http://127.0.0.1:9/ping' } });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.type, 'http');
    assert.equal(updated.body.http.url, 'http://127.0.0.1:9/ping');
    assert.equal(updated.body.command, undefined);
  });

  it('renames a task, and refuses a name another task holds with 409 name_taken', async () => {
    const first = await createTask(t, { name: 'first-name' });
    await createTask(t, { name: 'held-name' });
    const taken = await t.request('PUT', `/api/v1/tasks/${first.id}`, { name: 'held-name' });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, 'name_taken');
    assert.equal((await t.request('GET', `/api/v1/tasks/${first.id}`)).body.name, 'first-name');
    const renamed = await t.request('PUT', `/api/v1/tasks/${first.id}`, { name: 'second-name' });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'second-name');
  });

  it('soft-deletes: GET then 404, hidden from the list, shown under status=deleted', async () => {
    const created = await createTask(t, { name: 'doomed' });
    const deleted = await t.request('DELETE', `/api/v1/tasks/${created.id}`);
    assert.equal(deleted.status, 204);
    const gone = await t.request('GET', `/api/v1/tasks/${created.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.error.code, 'task_not_found');
    const listed = (await t.request('GET', '/api/v1/tasks?page_size=1000')).body.items.map((task: { id: string }) => task.id);
    assert.ok(!listed.includes(created.id));
    const deletedList = (await t.request('GET', '/api/v1/tasks?status=deleted')).body.items as Array<Record<string, unknown>>;
    const kept = deletedList.find((task) => task.id === created.id);
    assert.ok(kept, 'the deleted task is listed under status=deleted');
    assert.equal(kept.status, 'deleted');
    assert.equal(kept.next_fire_at, null);
  });

  it('answers 404 to every operation on a deleted task', async () => {
    const created = await createTask(t, { name: 'deleted-twice' });
    await t.request('DELETE', `/api/v1/tasks/${created.id}`);
    assert.equal((await t.request('DELETE', `/api/v1/tasks/${created.id}`)).status, 404);
    assert.equal((await t.request('PUT', `/api/v1/tasks/${created.id}`, { description: 'x' })).status, 404);
    assert.equal((await t.request('POST', `/api/v1/tasks/${created.id}/resume`)).status, 404);
    assert.equal((await t.request('POST', `/api/v1/tasks/${created.id}/trigger`, {})).status, 404);
  });
});

describe('task pause and resume', () => {
  let t: TestServer;
  let clock: FakeClock;
  before(async () => {
    clock = new FakeClock(start);
    t = await startTestServer({ clock, executor: false });
  });
  after(() => t.close());

  it('clears next_fire_at while paused and lists the task as paused', async () => {
    const created = await createTask(t, { name: 'napping' });
    const paused = await t.request('POST', `/api/v1/tasks/${created.id}/pause`);
    assert.equal(paused.status, 200);
    assert.equal(paused.body.status, 'paused');
    assert.equal(paused.body.next_fire_at, null);
    const stored = (await t.request('GET', `/api/v1/tasks/${created.id}`)).body;
    assert.equal(stored.status, 'paused');
    assert.equal(stored.next_fire_at, null);
    const pausedIds = (await t.request('GET', '/api/v1/tasks?status=paused')).body.items.map((task: { id: string }) => task.id);
    assert.ok(pausedIds.includes(created.id));
  });

  it('creates a task paused when asked, with no next fire', async () => {
    const created = await createTask(t, { name: 'born-paused', status: 'paused' });
    assert.equal(created.status, 'paused');
    assert.equal(created.next_fire_at, null);
  });

  it('resumes from now on: a fire that fell in the pause is not made up', async () => {
    const created = await createTask(t, { name: 'sleeper' });
    assert.equal(created.next_fire_at, '2026-01-05T03:00:00.000Z');
    await t.request('POST', `/api/v1/tasks/${created.id}/pause`);
    clock.set('2026-01-05T05:00:00.000Z');
    const resumed = await t.request('POST', `/api/v1/tasks/${created.id}/resume`);
    assert.equal(resumed.status, 200);
    assert.equal(resumed.body.status, 'active');
    assert.equal(resumed.body.next_fire_at, '2026-01-06T03:00:00.000Z');
  });

  it('keeps a paused task paused when another field is updated', async () => {
    const created = await createTask(t, { name: 'still-paused', status: 'paused' });
    const updated = await t.request('PUT', `/api/v1/tasks/${created.id}`, { cron_expression: '0 4 * * *' });
    assert.equal(updated.body.status, 'paused');
    assert.equal(updated.body.next_fire_at, null);
  });
});
