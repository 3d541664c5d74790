// What the console's task list and task page need from the API: sorting, each task's
// latest runs in one answer, reading and restoring a deleted task, and the task's
// version history with the fields each update changed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rawDatabase } from '../../src/store/raw-database.ts';
import { executionRow } from '../helpers/execution-rows.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const start = '2026-01-05T00:00:00.000Z';

async function createTask(t: TestServer, body: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await t.request('POST', '/api/v1/tasks', { command: '/bin/true', cron_expression: '0 3 * * *', ...body });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

const names = (body: { items: Array<{ name: string }> }) => body.items.map((task) => task.name);

describe('task list sorting', () => {
  let t: TestServer;
  let clock: FakeClock;
  before(async () => {
    clock = new FakeClock(start);
    t = await startTestServer({ clock, executor: false });
    // Created in an order that is neither the name order nor the next-fire order.
    await createTask(t, { name: 'sort-b', cron_expression: '0 5 * * *' });
    await clock.advance(1000);
    await createTask(t, { name: 'sort-d', cron_expression: '0 1 * * *' });
    await clock.advance(1000);
    await createTask(t, { name: 'sort-a', cron_expression: '0 9 * * *' });
    await clock.advance(1000);
    const manual = await createTask(t, { name: 'sort-c', cron_expression: null });
    await clock.advance(1000);
    // An update moves updated_at, not created_at.
    assert.equal((await t.request('PUT', `/api/v1/tasks/${manual.id}`, { description: 'touched' })).status, 200);
  });
  after(() => t.close());

  it('sorts by name by default and by -name descending', async () => {
    assert.deepEqual(names((await t.request('GET', '/api/v1/tasks')).body), ['sort-a', 'sort-b', 'sort-c', 'sort-d']);
    assert.deepEqual(names((await t.request('GET', '/api/v1/tasks?sort=-name')).body), ['sort-d', 'sort-c', 'sort-b', 'sort-a']);
  });

  it('sorts by next fire either way, a task without one last', async () => {
    assert.deepEqual(names((await t.request('GET', '/api/v1/tasks?sort=next_fire_at')).body), ['sort-d', 'sort-b', 'sort-a', 'sort-c']);
    assert.deepEqual(names((await t.request('GET', '/api/v1/tasks?sort=-next_fire_at')).body), ['sort-a', 'sort-b', 'sort-d', 'sort-c']);
  });

  it('sorts by created_at and updated_at', async () => {
    assert.deepEqual(names((await t.request('GET', '/api/v1/tasks?sort=created_at')).body), ['sort-b', 'sort-d', 'sort-a', 'sort-c']);
    assert.deepEqual(names((await t.request('GET', '/api/v1/tasks?sort=-created_at')).body), ['sort-c', 'sort-a', 'sort-d', 'sort-b']);
    assert.deepEqual(names((await t.request('GET', '/api/v1/tasks?sort=-updated_at')).body)[0], 'sort-c');
  });

  it('pages through a sorted list without repeating a task', async () => {
    const first = await t.request('GET', '/api/v1/tasks?sort=-next_fire_at&page_size=3');
    const second = await t.request('GET', '/api/v1/tasks?sort=-next_fire_at&page_size=3&page=2');
    assert.deepEqual([...names(first.body), ...names(second.body)], ['sort-a', 'sort-b', 'sort-d', 'sort-c']);
  });

  it('refuses an unknown sort with 400 naming sort', async () => {
    for (const sort of ['bogus', 'name;drop', '--name', 'command']) {
      const response = await t.request('GET', `/api/v1/tasks?sort=${encodeURIComponent(sort)}`);
      assert.equal(response.status, 400, sort);
      assert.equal(response.body.error.code, 'invalid_request');
      assert.equal(response.body.error.details.field, 'sort');
    }
  });
});

describe('recent executions in the task list', () => {
  let t: TestServer;
  let busy: string;
  before(async () => {
    t = await startTestServer({ clock: new FakeClock(start), executor: false });
    busy = (await createTask(t, { name: 'recent-busy', status: 'paused' })).id;
    await createTask(t, { name: 'recent-idle', status: 'paused' });
    const base = Date.parse(start);
    // 12 runs, the newest last: only the latest 10 are answered, newest first.
    const statuses = ['success', 'success', 'failed', 'success', 'timeout', 'success', 'success', 'cancelled', 'success', 'failed', 'skipped', 'success'] as const;
    const rows = statuses.map((status, index) => ({ ...executionRow(busy, status, base + index * 60_000, 500), created_at: base + index * 60_000 }));
    // A broadcast shard is not a run of its own in the row of dots.
    rows.push({ ...executionRow(busy, 'failed', base + 20 * 60_000, 500), created_at: base + 20 * 60_000, parent_id: rows[11]!.id });
    await rawDatabase(t.server.store).db.insertInto('executions').values(rows).execute();
  });
  after(() => t.close());

  it('answers each task its latest 10 runs, newest first, with include=recent', async () => {
    const list = await t.request('GET', '/api/v1/tasks?include=recent');
    assert.equal(list.status, 200);
    const byName = new Map<string, any>(list.body.items.map((task: any) => [task.name, task]));
    const runs = byName.get('recent-busy').recent_executions as Array<{ id: string; status: string; scheduled_time: string; end_time: string | null }>;
    assert.deepEqual(
      runs.map((run) => run.status),
      ['success', 'skipped', 'failed', 'success', 'cancelled', 'success', 'success', 'timeout', 'success', 'failed'],
    );
    assert.equal(runs[0]!.scheduled_time, new Date(Date.parse(start) + 11 * 60_000).toISOString());
    assert.ok(runs[0]!.end_time);
    assert.deepEqual(byName.get('recent-idle').recent_executions, []);
  });

  it('leaves them out without include=recent', async () => {
    const list = await t.request('GET', '/api/v1/tasks');
    for (const task of list.body.items) assert.equal(task.recent_executions, undefined);
  });

  it('refuses an unknown include with 400 naming include', async () => {
    const response = await t.request('GET', '/api/v1/tasks?include=everything');
    assert.equal(response.status, 400);
    assert.equal(response.body.error.details.field, 'include');
  });
});

describe('deleted tasks: read and restore', () => {
  let t: TestServer;
  let clock: FakeClock;
  before(async () => {
    clock = new FakeClock(start);
    t = await startTestServer({ clock, executor: false });
  });
  after(() => t.close());

  it('reads a deleted task with include_deleted, and still answers 404 without it', async () => {
    const created = await createTask(t, { name: 'read-deleted' });
    assert.equal((await t.request('DELETE', `/api/v1/tasks/${created.id}`)).status, 204);
    assert.equal((await t.request('GET', `/api/v1/tasks/${created.id}`)).status, 404);
    assert.equal((await t.request('GET', `/api/v1/tasks/${created.id}?include_deleted=0`)).status, 404);
    for (const flag of ['1', 'true']) {
      const read = await t.request('GET', `/api/v1/tasks/${created.id}?include_deleted=${flag}`);
      assert.equal(read.status, 200);
      assert.equal(read.body.status, 'deleted');
      assert.equal(read.body.name, 'read-deleted');
      assert.equal(read.body.next_fire_at, null);
    }
    assert.equal((await t.request('GET', `/api/v1/tasks/${created.id}?include_deleted=yes`)).status, 400);
  });

  it('restores a deleted task paused, under its own name, and it resumes from now', async () => {
    const created = await createTask(t, { name: 'restored', cron_expression: '0 3 * * *' });
    assert.equal((await t.request('DELETE', `/api/v1/tasks/${created.id}`)).status, 204);
    clock.set(Date.parse(start) + 3 * 86_400_000 + 60_000); // three days later, without running three days of timers
    const restored = await t.request('POST', `/api/v1/tasks/${created.id}/restore`);
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(restored.body.status, 'paused');
    assert.equal(restored.body.next_fire_at, null);
    assert.equal(restored.body.version, created.version);
    assert.equal((await t.request('GET', `/api/v1/tasks/${created.id}`)).status, 200);
    assert.ok((await t.request('GET', '/api/v1/tasks?status=paused')).body.items.some((task: { id: string }) => task.id === created.id));
    assert.ok(!(await t.request('GET', '/api/v1/tasks?status=deleted')).body.items.some((task: { id: string }) => task.id === created.id));
    // Its name is live again: another task cannot take it.
    assert.equal((await t.request('POST', '/api/v1/tasks', { name: 'restored', command: '/bin/true' })).status, 409);
    const resumed = await t.request('POST', `/api/v1/tasks/${created.id}/resume`);
    assert.equal(resumed.body.next_fire_at, new Date(Date.parse(start) + 3 * 86_400_000 + 3 * 3_600_000).toISOString()); // 03:00 that day, not a missed fire of the days it lay deleted
    assert.equal(resumed.status, 200);
  });

  it('answers a task that is not deleted as it is', async () => {
    const created = await createTask(t, { name: 'never-deleted' });
    const restored = await t.request('POST', `/api/v1/tasks/${created.id}/restore`);
    assert.equal(restored.status, 200);
    assert.equal(restored.body.status, 'active');
    assert.equal(restored.body.next_fire_at, created.next_fire_at);
  });

  it('refuses with 409 name_taken, naming the task that has the name now', async () => {
    const first = await createTask(t, { name: 'contested' });
    assert.equal((await t.request('DELETE', `/api/v1/tasks/${first.id}`)).status, 204);
    const second = await createTask(t, { name: 'contested' });
    const refused = await t.request('POST', `/api/v1/tasks/${first.id}/restore`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'name_taken');
    assert.equal(refused.body.error.details.field, 'name');
    assert.equal(refused.body.error.details.value, 'contested');
    assert.equal(refused.body.error.details.task_id, second.id);
    assert.match(refused.body.error.message, /contested/);
    const still = await t.request('GET', `/api/v1/tasks/${first.id}?include_deleted=1`);
    assert.equal(still.body.status, 'deleted');
    // Once the other one is renamed, the restore goes through.
    assert.equal((await t.request('PUT', `/api/v1/tasks/${second.id}`, { name: 'contested-2' })).status, 200);
    assert.equal((await t.request('POST', `/api/v1/tasks/${first.id}/restore`)).status, 200);
  });

  it('answers 404 for an unknown task', async () => {
    const response = await t.request('POST', '/api/v1/tasks/no-such-task/restore');
    assert.equal(response.status, 404);
    assert.equal(response.body.error.code, 'task_not_found');
  });

  it('writes the restore to the audit log, deleted before and paused after', async () => {
    const created = await createTask(t, { name: 'audited-restore' });
    await t.request('DELETE', `/api/v1/tasks/${created.id}`);
    await t.request('POST', `/api/v1/tasks/${created.id}/restore`);
    const audit = await t.request('GET', `/api/v1/audit?action=task.restore&resource_id=${created.id}`);
    assert.equal(audit.body.total, 1);
    assert.equal(audit.body.items[0].before.status, 'deleted');
    assert.equal(audit.body.items[0].after.status, 'paused');
  });

  it('lets a viewer read a deleted task but not restore it', async () => {
    const created = await createTask(t, { name: 'viewer-restore' });
    await t.request('DELETE', `/api/v1/tasks/${created.id}`);
    const token = await t.request('POST', '/api/v1/tokens', { name: 'restore-viewer', role: 'viewer' });
    assert.equal(token.status, 201, JSON.stringify(token.body));
    assert.equal((await t.request('GET', `/api/v1/tasks/${created.id}?include_deleted=1`, undefined, token.body.token)).status, 200);
    assert.equal((await t.request('POST', `/api/v1/tasks/${created.id}/restore`, undefined, token.body.token)).status, 403);
  });
});

describe('task version history', () => {
  let t: TestServer;
  let clock: FakeClock;
  before(async () => {
    clock = new FakeClock(start);
    t = await startTestServer({ clock, executor: false });
  });
  after(() => t.close());

  it('lists create, updates with the fields changed, pause and delete, newest first', async () => {
    const created = await createTask(t, { name: 'versioned', timeout_seconds: 60, env: { TOKEN: { secret: 's3cret' }, MODE: 'a' } });
    await clock.advance(1000);
    assert.equal((await t.request('PUT', `/api/v1/tasks/${created.id}`, { timeout_seconds: 120, description: 'now described', env: { TOKEN: { secret: 'other' }, MODE: 'b' } })).status, 200);
    await clock.advance(1000);
    assert.equal((await t.request('POST', `/api/v1/tasks/${created.id}/trigger`)).status, 202); // a run is not a version
    assert.equal((await t.request('POST', `/api/v1/tasks/${created.id}/pause`)).status, 200);
    await clock.advance(1000);
    assert.equal((await t.request('DELETE', `/api/v1/tasks/${created.id}`)).status, 204);

    const history = await t.request('GET', `/api/v1/tasks/${created.id}/history`);
    assert.equal(history.status, 200, JSON.stringify(history.body));
    assert.deepEqual(
      history.body.items.map((entry: { action: string }) => entry.action),
      ['task.delete', 'task.pause', 'task.update', 'task.create'],
    );
    assert.equal(history.body.total, 4);
    const update = history.body.items[2];
    assert.equal(update.version, 2);
    assert.equal(update.actor, 'admin-token');
    assert.deepEqual(update.changes, [
      { field: 'description', before: '', after: 'now described' },
      { field: 'env', before: { MODE: 'a', TOKEN: { secret: true } }, after: { MODE: 'b', TOKEN: { secret: true } } },
      { field: 'timeout_seconds', before: 60, after: 120 },
    ]);
    assert.ok(!JSON.stringify(history.body).includes('s3cret'));
    assert.ok(!JSON.stringify(history.body).includes('other'));
    assert.deepEqual(history.body.items[3].changes, []);
    assert.equal(history.body.items[3].version, 1);
  });

  it('pages, and answers 404 for an unknown task', async () => {
    const created = await createTask(t, { name: 'paged-history' });
    for (const timeout of [10, 20, 30]) {
      await clock.advance(1000);
      assert.equal((await t.request('PUT', `/api/v1/tasks/${created.id}`, { timeout_seconds: timeout })).status, 200);
    }
    const page = await t.request('GET', `/api/v1/tasks/${created.id}/history?page=2&page_size=3`);
    assert.equal(page.body.total, 4);
    assert.deepEqual(
      page.body.items.map((entry: { action: string }) => entry.action),
      ['task.create'],
    );
    assert.equal((await t.request('GET', '/api/v1/tasks/no-such-task/history')).status, 404);
  });
});
