// History retention (issue 15): what the leader's cleanup deletes, what it never deletes,
// and that the statistics count what it deleted. Rows are written at known times through
// rawDatabase under a fake clock; one cleanup pass is run with runOnce. Runs on SQLite,
// PostgreSQL and MariaDB (CRONFLEET_TEST_DATABASE).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExecutionStatus } from '../../src/domain/execution.ts';
import { RetentionCleanup } from '../../src/scheduler/retention-cleanup.ts';
import { rawDatabase } from '../../src/store/raw-database.ts';
import type { ExecutorsTable } from '../../src/store/schema.ts';
import { executionRow } from '../helpers/execution-rows.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { eventually } from '../scheduler/helpers.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const NOW = Date.parse('2026-11-21T12:30:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function createTask(t: TestServer, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await t.request('POST', '/api/v1/tasks', { name, command: 'true', status: 'paused', ...extra });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body.id;
}

async function insertExecutions(t: TestServer, rows: ReturnType<typeof executionRow>[]): Promise<void> {
  const { db } = rawDatabase(t.server.store);
  for (let start = 0; start < rows.length; start += 200)
    await db
      .insertInto('executions')
      .values(rows.slice(start, start + 200))
      .execute();
}

async function insertLog(t: TestServer, executionId: string): Promise<void> {
  await rawDatabase(t.server.store)
    .db.insertInto('execution_logs')
    .values({ execution_id: executionId, seq: 1, stream: 'stdout', chunk: 'hello\n', created_at: NOW - 40 * DAY })
    .execute();
}

async function remainingIds(t: TestServer, taskId: string): Promise<string[]> {
  const rows = await rawDatabase(t.server.store).db.selectFrom('executions').select('id').where('task_id', '=', taskId).orderBy('id').execute();
  return rows.map((row) => row.id);
}

async function logCount(t: TestServer, executionId: string): Promise<number> {
  const rows = await rawDatabase(t.server.store).db.selectFrom('execution_logs').select('seq').where('execution_id', '=', executionId).execute();
  return rows.length;
}

function agentRow(id: string, kind: 'agent' | 'http', status: string, lastHeartbeat: number): ExecutorsTable {
  return {
    id,
    name: id,
    instance_id: `instance-${id}`,
    kind,
    base_url: kind === 'http' ? 'http://127.0.0.1:9/' : null,
    health_check_url: null,
    labels: '{}',
    capacity: 1,
    runners: '[]',
    status,
    is_healthy: 1,
    last_heartbeat: lastHeartbeat,
    last_health_check: null,
    health_check_failures: 0,
    connected_to: null,
    metadata: '{}',
    version: null,
    secret_hash: null,
    callback_secret_sealed: null,
    executor_token_id: null,
    created_at: lastHeartbeat,
    updated_at: lastHeartbeat,
  };
}

describe('history retention with the default days (executions 30, logs 14, audit 365, executors 7)', () => {
  let t: TestServer;
  let aged: string;
  let lonely: string;
  let limited: string;
  let deadMan: string;
  let limitedFailing: string;
  const rows: Record<string, ReturnType<typeof executionRow>> = {};

  before(async () => {
    t = await startTestServer({ clock: new FakeClock(NOW), executor: false });
    aged = await createTask(t, 'retention-aged');
    lonely = await createTask(t, 'retention-lonely');
    limited = await createTask(t, 'retention-limited', { history_limit: 3 });
    deadMan = await createTask(t, 'retention-dead-man');
    limitedFailing = await createTask(t, 'retention-limited-failing', { history_limit: 2 });
    const row = (name: string, taskId: string, status: ExecutionStatus, daysAgo: number, durationMs?: number) => {
      rows[name] = executionRow(taskId, status, NOW - daysAgo * DAY, durationMs);
      return rows[name];
    };
    await insertExecutions(t, [
      row('old-success', aged, 'success', 40, 1000),
      row('old-failed', aged, 'failed', 35, 2000),
      row('old-running', aged, 'running', 35.01, 0),
      row('old-pending', aged, 'pending', 35.02),
      row('mid-success', aged, 'success', 20, 1000),
      row('mid-quiet', aged, 'success', 19, 1000),
      row('new-success', aged, 'success', 1, 1000),
      // The only finished execution of its task: kept however old, only its log goes.
      row('lonely-newest', lonely, 'success', 100, 1000),
      // history_limit 3: ten recent finished runs and one still running.
      ...Array.from({ length: 10 }, (_, index) => row(`limited-${index}`, limited, 'success', 0.5 + index * 0.01, 500)),
      row('limited-running', limited, 'running', 0.6, 0),
      // Its last success is old and failures came after: the success stays (the dead-man metric reads it).
      row('dm-success', deadMan, 'success', 40, 1000),
      row('dm-failed-old', deadMan, 'failed', 35, 1000),
      row('dm-failed-new', deadMan, 'failed', 1, 1000),
      // history_limit 2: a success, then four failures; the two newest failures and the success stay.
      row('lf-success', limitedFailing, 'success', 0.9, 500),
      ...Array.from({ length: 4 }, (_, index) => row(`lf-failed-${index}`, limitedFailing, 'failed', 0.5 + index * 0.01, 500)),
    ]);
    for (const name of ['old-success', 'old-running', 'mid-success', 'new-success', 'lonely-newest']) await insertLog(t, rows[name]!.id);
    const { db } = rawDatabase(t.server.store);
    await db
      .insertInto('audit_log')
      .values([
        { id: 'audit-old', at: NOW - 400 * DAY, actor: 'admin', action: 'task.create', resource_type: 'task', resource_id: null, before_state: null, after_state: null, ip: null },
        { id: 'audit-new', at: NOW - 10 * DAY, actor: 'admin', action: 'task.create', resource_type: 'task', resource_id: null, before_state: null, after_state: null, ip: null },
      ])
      .execute();
    await db
      .insertInto('executors')
      .values([
        agentRow('agent-gone', 'agent', 'offline', NOW - 10 * DAY),
        agentRow('agent-away', 'agent', 'offline', NOW - 2 * DAY),
        agentRow('agent-busy', 'agent', 'offline', NOW - 10 * DAY),
        agentRow('http-gone', 'http', 'offline', NOW - 10 * DAY),
      ])
      .execute();
    // A run still recorded as running on an agent long gone: it is not removed under it.
    await db.updateTable('executions').set({ executor_id: 'agent-busy' }).where('id', '=', rows['old-running']!.id).execute();
    await db
      .insertInto('load_balance_state')
      .values({ state_key: `task:${aged}`, value: JSON.stringify({ cursor: 4, sticky: 'agent-gone' }), updated_at: NOW - 10 * DAY })
      .execute();
    const report = await t.server.retention.runOnce();
    assert.deepEqual(report, { historyLimited: 9, expired: 3, logsExpired: 2, auditDeleted: 1, agentsRemoved: 1 });
  });
  after(async () => {
    await t.close();
  });

  it('deletes finished executions older than execution_retention_days, with their logs', async () => {
    const left = await remainingIds(t, aged);
    assert.ok(!left.includes(rows['old-success']!.id));
    assert.ok(!left.includes(rows['old-failed']!.id));
    assert.equal(await logCount(t, rows['old-success']!.id), 0);
  });

  it('never deletes pending or running executions, however old', async () => {
    const left = await remainingIds(t, aged);
    assert.ok(left.includes(rows['old-running']!.id));
    assert.ok(left.includes(rows['old-pending']!.id));
    assert.equal(await logCount(t, rows['old-running']!.id), 1, 'a running execution keeps its log');
  });

  it("never deletes a task's newest finished execution, however old; its log expires", async () => {
    assert.deepEqual(await remainingIds(t, lonely), [rows['lonely-newest']!.id]);
    assert.equal(await logCount(t, rows['lonely-newest']!.id), 0);
  });

  it('deletes the log chunks of executions older than log_retention_days and says so in the execution answer', async () => {
    const mid = rows['mid-success']!.id;
    assert.equal(await logCount(t, mid), 0);
    const expired = await t.request('GET', `/api/v1/executions/${mid}`);
    assert.equal(expired.status, 200);
    assert.equal(expired.body.status, 'success');
    assert.equal(expired.body.log_expired, true);
    // One that never logged is not said to have lost a log; a recent one keeps its log.
    assert.equal((await t.request('GET', `/api/v1/executions/${rows['mid-quiet']!.id}`)).body.log_expired, false);
    assert.equal(await logCount(t, rows['new-success']!.id), 1);
    assert.equal((await t.request('GET', `/api/v1/executions/${rows['new-success']!.id}`)).body.log_expired, false);
  });

  it('keeps only the history_limit newest finished executions of a task, whatever their age, and its running ones', async () => {
    const expected = [rows['limited-0']!, rows['limited-1']!, rows['limited-2']!, rows['limited-running']!].map((row) => row.id).sort();
    assert.deepEqual(await remainingIds(t, limited), expected);
    const task = await t.request('GET', `/api/v1/tasks/${limited}`);
    assert.equal(task.body.history_limit, 3);
  });

  it("keeps a task's newest successful execution whatever came after it, by age and by history_limit", async () => {
    assert.deepEqual(await remainingIds(t, deadMan), [rows['dm-success']!.id, rows['dm-failed-new']!.id].sort());
    assert.deepEqual(await remainingIds(t, limitedFailing), [rows['lf-success']!.id, rows['lf-failed-0']!.id, rows['lf-failed-1']!.id].sort());
  });

  it('deletes audit entries older than audit_retention_days', async () => {
    const ids = (await rawDatabase(t.server.store).db.selectFrom('audit_log').select('id').where('id', 'in', ['audit-old', 'audit-new']).execute()).map((row) => row.id);
    assert.deepEqual(ids, ['audit-new']);
  });

  it('removes agents offline longer than executor_retention_days with their sticky bindings; keeps HTTP executors and agents with a running execution', async () => {
    const ids = (await rawDatabase(t.server.store).db.selectFrom('executors').select('id').where('id', 'like', '%-g%').execute()).map((row) => row.id);
    assert.ok(!ids.includes('agent-gone'));
    assert.ok(ids.includes('http-gone'));
    const all = (await rawDatabase(t.server.store).db.selectFrom('executors').select('id').execute()).map((row) => row.id);
    assert.ok(all.includes('agent-away'));
    assert.ok(all.includes('agent-busy'));
    const state = await rawDatabase(t.server.store).db.selectFrom('load_balance_state').select('value').where('state_key', '=', `task:${aged}`).executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(state.value), { cursor: 4, sticky: null });
  });

  it('a second pass finds nothing more to do', async () => {
    assert.deepEqual(await t.server.retention.runOnce(), { historyLimited: 0, expired: 0, logsExpired: 0, auditDeleted: 0, agentsRemoved: 0 });
  });

  it('system status shows the retention in force and the database size', async () => {
    const status = await t.request('GET', '/api/v1/system/status');
    assert.equal(status.status, 200);
    assert.deepEqual(status.body.retention, { execution_retention_days: 30, log_retention_days: 14, audit_retention_days: 365, executor_retention_days: 7, cleanup_interval_seconds: 3600 });
    assert.ok(Number.isInteger(status.body.database.size_bytes) && status.body.database.size_bytes > 0, JSON.stringify(status.body.database));
  });
});

describe('history_limit on the task', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ clock: new FakeClock(NOW), executor: false });
  });
  after(async () => {
    await t.close();
  });

  it('is optional (null), at least 1, and can be set and cleared', async () => {
    const id = await createTask(t, 'history-limit-field');
    assert.equal((await t.request('GET', `/api/v1/tasks/${id}`)).body.history_limit, null);
    for (const bad of [0, -1, 2.5, 'ten']) {
      const refused = await t.request('PUT', `/api/v1/tasks/${id}`, { history_limit: bad });
      assert.equal(refused.status, 400, `${JSON.stringify(bad)}: ${JSON.stringify(refused.body)}`);
    }
    assert.equal((await t.request('PUT', `/api/v1/tasks/${id}`, { history_limit: 100 })).body.history_limit, 100);
    assert.equal((await t.request('PUT', `/api/v1/tasks/${id}`, { history_limit: null })).body.history_limit, null);
  });
});

describe('statistics survive retention (execution_retention_days 1)', () => {
  let t: TestServer;
  let task: string;
  before(async () => {
    t = await startTestServer({ clock: new FakeClock(NOW), executor: false, env: { CRONFLEET_EXECUTION_RETENTION_DAYS: '1', CRONFLEET_LOG_RETENTION_DAYS: '1' } });
    task = await createTask(t, 'rollup-task');
    const other = await createTask(t, 'rollup-other');
    // Ten days of history, every two hours, statuses and durations varying.
    const statuses: ExecutionStatus[] = ['success', 'success', 'failed', 'success', 'timeout', 'cancelled', 'success', 'skipped'];
    const history = [];
    for (let index = 0; index < 120; index++) {
      const status = statuses[index % statuses.length]!;
      const timed = status === 'success' || status === 'failed' || status === 'timeout';
      history.push(executionRow(task, status, NOW - 10 * DAY + index * 2 * HOUR, timed ? 100 + ((index * 7919) % 5000) : undefined));
      if (index % 3 === 0) history.push(executionRow(other, index % 2 === 0 ? 'failed' : 'success', NOW - 10 * DAY + index * 2 * HOUR + 60_000, 300));
    }
    await insertExecutions(t, history);
  });
  after(async () => {
    await t.close();
  });

  const windows = ['7d', '90d'] as const;

  it("a task's 7d and 90d stats count the same before and after the cleanup, and its p95 stays within the histogram's 9%", async () => {
    const before = Object.fromEntries(await Promise.all(windows.map(async (window) => [window, (await t.request('GET', `/api/v1/tasks/${task}/stats?window=${window}`)).body])));
    const overviewBefore = (await t.request('GET', '/api/v1/stats/overview?window=7d')).body;
    const report = await t.server.retention.runOnce();
    assert.ok(report.expired > 100, JSON.stringify(report));
    const live = await remainingIds(t, task);
    assert.ok(live.length < 20, `${live.length} executions left`);
    for (const window of windows) {
      const after = (await t.request('GET', `/api/v1/tasks/${task}/stats?window=${window}`)).body;
      assert.equal(after.total, before[window].total, window);
      assert.deepEqual(after.by_status, before[window].by_status, window);
      assert.equal(after.success_rate, before[window].success_rate, window);
      assert.equal(after.avg_duration_ms, before[window].avg_duration_ms, window);
      assert.deepEqual(after.trend, before[window].trend, window);
      assert.ok(Math.abs(after.p95_duration_ms - before[window].p95_duration_ms) <= 0.09 * before[window].p95_duration_ms, `${window} p95 ${before[window].p95_duration_ms} → ${after.p95_duration_ms}`);
    }
    const overviewAfter = (await t.request('GET', '/api/v1/stats/overview?window=7d')).body;
    assert.deepEqual(overviewAfter.by_status, overviewBefore.by_status);
    assert.deepEqual(overviewAfter.timeline, overviewBefore.timeline);
    assert.deepEqual(overviewAfter.top_failing, overviewBefore.top_failing);
  });
});

describe('the cleanup pages through many executions of one instant and many instants', () => {
  let t: TestServer;
  const clock = new FakeClock(NOW);
  before(async () => {
    t = await startTestServer({ clock, executor: false });
  });
  after(async () => {
    await t.close();
  });

  it('with batches of 3 rows it deletes every old finished execution but each task’s newest, and keeps the rest', async () => {
    const tasks = await Promise.all(Array.from({ length: 5 }, (_, index) => createTask(t, `paging-${index}`)));
    const rows = [];
    // Five tasks firing at the same three old instants (a page of 3 holds one instant only),
    // then one newer finished run each; and a pending run among the old ones.
    for (const daysAgo of [50, 45, 40]) for (const task of tasks) rows.push(executionRow(task, 'success', NOW - daysAgo * DAY, 100));
    // (A success: a task's newest success is kept too, and here it is the newest run.)
    for (const task of tasks) rows.push(executionRow(task, 'success', NOW - 2 * DAY, 100));
    const waiting = executionRow(tasks[0]!, 'pending', NOW - 45 * DAY + 1);
    rows.push(waiting);
    await insertExecutions(t, rows);
    const cleanup = new RetentionCleanup(t.server.store, clock, { executionDays: 30, logDays: 14, auditDays: 0, executorDays: 0, intervalMs: 3_600_000, batchSize: 3, pauseMs: 0 }, (error) => {
      throw error;
    });
    const report = await cleanup.runOnce();
    assert.equal(report.expired, 15);
    const left = await rawDatabase(t.server.store).db.selectFrom('executions').select(['id', 'status']).where('task_id', 'in', tasks).execute();
    assert.equal(left.length, 6);
    assert.ok(left.some((row) => row.id === waiting.id));
    assert.equal(left.filter((row) => row.status === 'success').length, 5);
    const folded = await rawDatabase(t.server.store).db.selectFrom('execution_rollups').select(['success']).where('task_id', 'in', tasks).execute();
    assert.equal(
      folded.reduce((sum, row) => sum + Number(row.success), 0),
      15,
    );
  });

  it('runs on the leader by itself, a minute after it is elected', async () => {
    await eventually(async () => t.server.scheduler.isLeader, 'leadership');
    const task = await createTask(t, 'leader-loop');
    const old = executionRow(task, 'success', NOW - 60 * DAY, 100);
    await insertExecutions(t, [old, executionRow(task, 'success', NOW - DAY, 100)]);
    await clock.advance(61_000);
    await eventually(async () => !(await remainingIds(t, task)).includes(old.id), 'the old execution to be deleted');
  });
});

describe('the hourly 24h window counts live executions only', () => {
  const lateEvening = Date.parse('2026-11-21T23:30:00.000Z');
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ clock: new FakeClock(lateEvening), executor: false });
  });
  after(async () => {
    await t.close();
  });

  it('executions a history_limit folded today are in the 7d window but not in the 24h one, even when 24h is a whole UTC day', async () => {
    const task = await createTask(t, 'hourly-live-only', { history_limit: 2 });
    const today = lateEvening - (lateEvening % DAY);
    await insertExecutions(
      t,
      [1, 2, 3, 4, 5].map((hour) => executionRow(task, 'success', today + hour * HOUR, hour * 1000)),
    );
    assert.equal((await t.server.retention.runOnce()).historyLimited, 3);
    const day = (await t.request('GET', `/api/v1/tasks/${task}/stats?window=24h`)).body;
    assert.equal(day.from, '2026-11-21T00:00:00.000Z');
    assert.equal(day.total, 2);
    assert.equal(day.avg_duration_ms, 4500);
    assert.equal(day.p95_duration_ms, 5000);
    const week = (await t.request('GET', `/api/v1/tasks/${task}/stats?window=7d`)).body;
    assert.equal(week.total, 5);
    assert.equal(week.avg_duration_ms, 3000);
  });
});
