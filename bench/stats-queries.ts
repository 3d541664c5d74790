// How fast the statistics queries answer at scale: fills a fresh database with
// 1,000,000 executions over 90 days for 1,000 tasks, then times each query behind
// GET /api/v1/tasks/{id}/stats, GET /api/v1/stats/overview and the event stream's
// change read. Prints JSON to stdout, progress to stderr.
//
//   node bench/stats-queries.ts                                  # a fresh SQLite file
//   node bench/stats-queries.ts --database postgres://…/empty_db  # an empty database
//   options: --executions 1000000 --tasks 1000 --days 90 --runs 30
//
// The load is skewed as real fleets are: one "heavy" task (every ~78 s) holds 10% of
// all executions, the others share the rest evenly (~900 each). 90% succeed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { newId } from '../src/domain/ids.ts';
import { LEADER_LEASE } from '../src/scheduler/leadership.ts';
import { rawDatabase } from '../src/store/raw-database.ts';
import type { ExecutionsTable, TasksTable } from '../src/store/schema.ts';
import { Store } from '../src/store/store.ts';

const { values: flags } = parseArgs({
  options: {
    database: { type: 'string' },
    executions: { type: 'string', default: '1000000' },
    tasks: { type: 'string', default: '1000' },
    days: { type: 'string', default: '90' },
    runs: { type: 'string', default: '30' },
  },
});
const executionCount = Number(flags.executions);
const taskCount = Number(flags.tasks);
const days = Number(flags.days);
const runs = Number(flags.runs);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BATCH = 500; // rows per INSERT: 29 columns × 500 stays under every dialect's parameter limit
const HEAVY_SHARE = 0.1;

const progress = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);

/** A seeded generator, so two runs load the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function taskRow(index: number, now: number): TasksTable {
  const id = `bench-task-${String(index).padStart(5, '0')}`;
  return {
    id,
    name: id,
    live_name: id,
    description: '',
    tags: '[]',
    cron_expression: index === 0 ? '@every 78s' : '0 */2 * * *',
    timezone: 'UTC',
    cron_dialect: 'standard',
    type: 'command',
    spec: '{"command":"true","args":[],"shell":false,"env":{}}',
    parameters: '{}',
    execution_mode: 'parallel',
    load_balance_strategy: 'round_robin',
    executor_labels: '{}',
    max_retry: 0,
    retry_backoff_seconds: 10,
    retry_backoff_max_seconds: 600,
    timeout_seconds: 3600,
    misfire_policy: 'run_once',
    misfire_grace_seconds: 60,
    max_queued: 1,
    dispatch_timeout_seconds: 300,
    history_limit: null,
    status: 'active',
    next_fire_at: null,
    last_fire_at: null,
    version: 1,
    created_at: now - days * DAY,
    updated_at: now - days * DAY,
    deleted_at: null,
  };
}

function pickStatus(roll: number, scheduled: number, now: number): string {
  if (scheduled > now - 60_000) return roll < 0.5 ? 'running' : 'pending';
  if (roll < 0.9) return 'success';
  if (roll < 0.96) return 'failed';
  if (roll < 0.98) return 'timeout';
  return roll < 0.99 ? 'cancelled' : 'skipped';
}

function executionRow(taskId: string, scheduled: number, status: string, durationMs: number): ExecutionsTable {
  const ran = status === 'success' || status === 'failed' || status === 'timeout' || status === 'running';
  const start = ran ? scheduled + 50 : null;
  const end = status === 'running' || status === 'pending' ? null : start !== null ? start + durationMs : scheduled;
  return {
    id: newId(scheduled),
    task_id: taskId,
    task_version: 1,
    trigger: 'schedule',
    scheduled_time: scheduled,
    fire_time: scheduled,
    parameters: '{}',
    status,
    executor_id: ran ? 'bench-executor' : null,
    attempt: 1,
    retry_of: null,
    run_at: null,
    start_time: start,
    end_time: end,
    deadline_at: null,
    exit_code: status === 'success' ? 0 : status === 'failed' ? 1 : null,
    result: null,
    error: status === 'failed' ? 'exit code 1' : null,
    reason: null,
    log_bytes: 0,
    shard_index: null,
    shard_total: null,
    parent_id: null,
    delivered_at: ran ? scheduled + 10 : null,
    stop_requested: null,
    stop_delivered_at: null,
    log_expired: 0,
    created_at: scheduled,
    updated_at: end ?? start ?? scheduled,
  };
}

async function load(store: Store, now: number): Promise<number> {
  const { db, dialect } = rawDatabase(store);
  const started = performance.now();
  const tasks = Array.from({ length: taskCount }, (_, index) => taskRow(index, now));
  for (let offset = 0; offset < tasks.length; offset += BATCH)
    await db
      .insertInto('tasks')
      .values(tasks.slice(offset, offset + BATCH))
      .execute();
  const next = random(42);
  const span = days * DAY;
  const first = now - span;
  let inserted = 0;
  // Time order, as a live system writes them; each transaction holds 20 batches.
  while (inserted < executionCount) {
    await db.transaction().execute(async (trx) => {
      for (let batch = 0; batch < 20 && inserted < executionCount; batch++) {
        const rows: ExecutionsTable[] = [];
        for (let i = 0; i < BATCH && inserted < executionCount; i++, inserted++) {
          const scheduled = Math.floor(first + ((inserted + next()) / executionCount) * span);
          const task = next() < HEAVY_SHARE ? 0 : 1 + Math.floor(next() * (taskCount - 1));
          // Durations: mostly seconds, a long tail to minutes.
          const duration = Math.round(200 + 3000 * -Math.log(1 - next() * 0.999));
          rows.push(executionRow(tasks[task]!.id, scheduled, pickStatus(next(), scheduled, now), duration));
        }
        await trx.insertInto('executions').values(rows).execute();
      }
    });
    if (inserted % 100_000 === 0 || inserted === executionCount) progress(`inserted ${inserted.toLocaleString('en')} / ${executionCount.toLocaleString('en')} executions`);
  }
  const loadMs = performance.now() - started;
  progress('analyzing');
  if (dialect.name === 'postgres') await sql`vacuum analyze`.execute(db);
  else if (dialect.name === 'mysql') await sql`analyze table executions, tasks`.execute(db);
  else await sql`analyze`.execute(db);
  return loadMs;
}

interface Timing {
  p50_ms: number;
  max_ms: number;
  first_ms: number;
}

async function time(label: string, work: (run: number) => Promise<unknown>): Promise<[string, Timing]> {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await work(run);
    samples.push(performance.now() - started);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 100) / 100;
  progress(`${label}: p50 ${round(sorted[Math.floor((sorted.length - 1) / 2)]!)} ms`);
  return [label, { p50_ms: round(sorted[Math.floor((sorted.length - 1) / 2)]!), max_ms: round(sorted.at(-1)!), first_ms: round(samples[0]!) }];
}

/** As GET /tasks/{id}/stats runs them: counts and durations in one scan, then p95 and the latest outcomes. */
async function timeTaskStats(store: Store, window: { from: number; to: number; taskId?: string }, bucketMs: number): Promise<unknown> {
  const counts = await store.stats.countsByBucket(window, bucketMs);
  const timed = counts.filter((count) => ['success', 'failed', 'timeout'].includes(count.status)).reduce((sum, count) => sum + count.timedCount, 0);
  return Promise.all([store.stats.p95Duration(window, timed), store.stats.latestOutcomes(window, 10)]);
}

/** The same queries, composed as the routes compose them (src/api/routes/stats.ts). */
async function measure(store: Store, now: number): Promise<Record<string, Timing>> {
  const windows = { '24h': [HOUR, 24], '7d': [DAY, 7], '90d': [DAY, 90] } as const;
  const range = (name: keyof typeof windows, taskId?: string) => {
    const [bucketMs, buckets] = windows[name];
    const current = now - (now % bucketMs);
    return { from: current - (buckets - 1) * bucketMs, to: current + bucketMs, ...(taskId ? { taskId } : {}) };
  };
  const taskStats = (name: keyof typeof windows, taskId: string) => {
    const window = range(name, taskId);
    return timeTaskStats(store, window, windows[name][0]);
  };
  // A different ordinary task each run, so no run reads pages the previous one cached.
  const ordinary = (run: number) => `bench-task-${String(1 + ((run * 37) % (taskCount - 1))).padStart(5, '0')}`;
  const results: Array<[string, Timing]> = [];
  for (const name of ['24h', '7d', '90d'] as const) {
    results.push(await time(`task_stats_${name}_typical_task`, (run) => taskStats(name, ordinary(run))));
    results.push(await time(`task_stats_${name}_heavy_task`, () => taskStats(name, 'bench-task-00000')));
  }
  // Where the heaviest one spends its time.
  const heavy90 = range('90d', 'bench-task-00000');
  results.push(await time('task_stats_90d_heavy_task_counts_only', () => store.stats.countsByBucket(heavy90, DAY)));
  const heavyTimed = (await store.stats.countsByBucket(heavy90, DAY)).filter((count) => ['success', 'failed', 'timeout'].includes(count.status)).reduce((sum, count) => sum + count.timedCount, 0);
  results.push(await time('task_stats_90d_heavy_task_p95_only', () => store.stats.p95Duration(heavy90, heavyTimed)));
  results.push(await time('task_stats_90d_heavy_task_latest_only', () => store.stats.latestOutcomes(heavy90, 10)));
  for (const name of ['24h', '7d'] as const) {
    results.push(
      await time(`overview_${name}`, () =>
        Promise.all([
          store.stats.countsByBucket(range(name), windows[name][0]),
          store.stats.topFailing(range(name), 5),
          store.executions.countByStatus(),
          store.executors.list(),
          store.leases.current(LEADER_LEASE),
          store.leases.now(),
        ]),
      ),
    );
    results.push(await time(`overview_${name}_timeline_only`, () => store.stats.countsByBucket(range(name), windows[name][0])));
    results.push(await time(`overview_${name}_top_failing_only`, () => store.stats.topFailing(range(name), 5)));
  }
  results.push(await time('event_stream_changes_read', () => Promise.all([store.changes.executions(now - 2000, 2000), store.changes.tasks(now - 2000), store.changes.executors()])));
  return Object.fromEntries(results);
}

async function main(): Promise<void> {
  let dataDir: string | null = null;
  let url = flags.database;
  if (!url) {
    dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-bench-stats-'));
    url = `sqlite:${join(dataDir, 'cronfleet.db')}`;
  }
  const store = await Store.open(url);
  const { db, dialect } = rawDatabase(store);
  try {
    const existing = await db
      .selectFrom('executions')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirst();
    if (Number(existing?.count ?? 0) > 0) throw new Error('the database already holds executions: give an empty one');
    // "Now" is the end of the loaded history, on an hour boundary plus 30 minutes.
    const now = Math.floor(Date.now() / HOUR) * HOUR + 30 * 60_000;
    progress(`loading ${executionCount.toLocaleString('en')} executions for ${taskCount} tasks over ${days} days into ${dialect.name}`);
    const loadMs = await load(store, now);
    const heavy = await db
      .selectFrom('executions')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('task_id', '=', 'bench-task-00000')
      .executeTakeFirst();
    const timings = await measure(store, now);
    process.stdout.write(
      `${JSON.stringify(
        {
          benchmark: 'stats-queries',
          dialect: dialect.name,
          executions: executionCount,
          tasks: taskCount,
          days,
          heavy_task_executions: Number(heavy?.count ?? 0),
          runs_per_query: runs,
          load_ms: Math.round(loadMs),
          queries: timings,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await store.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
