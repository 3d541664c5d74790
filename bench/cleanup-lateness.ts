// cleanup-lateness: what history retention's cleanup costs the fire path (issue 15).
// Two runs on fresh databases, each: `--tasks` (1,000) tasks firing every second, and
// `--old` (1,000,000) finished executions of another task scheduled 60 days ago, written
// straight into the database while the server is stopped. Run "cleanup" keeps executions
// 30 days, so the leader's first cleanup pass (60 s after it is elected) deletes them all,
// in batches with pauses; the measured window runs from then until they are gone and, on
// SQLite, their pages are given back to the file system (the pass's last step), at most
// `--max-seconds`. Run "baseline" keeps executions and their logs forever
// (execution_retention_days and log_retention_days 0, so its cleanup pass has nothing to
// read) and is measured for a window of the same length. The figure is each run's fire
// lateness (handler start minus scheduled instant) p99, and their ratio.
// The benchmark watches the old rows through its own connection, not the server's API: on
// SQLite a count of a million rows in the server would stall its fire loop too.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { sql, type Insertable } from 'kysely';
import { rawDatabase } from '../src/store/raw-database.ts';
import type { ExecutionsTable } from '../src/store/schema.ts';
import { Store } from '../src/store/store.ts';
import { fireLatenessBuckets, noopTask, recordedLateness, startFleet, type Fleet } from './cronfleet.ts';
import { instantsBetween, scoreFires } from './fire-accuracy.ts';
import { inParallel, log, sleep, type Flags } from './support.ts';

const DAY_MS = 86_400_000;
/** The server's first cleanup pass comes this long after it becomes leader (scheduler/retention-cleanup.ts). */
const FIRST_PASS_MS = 60_000;
/** Pages the cleanup gives back per step (RECLAIM_PAGES in scheduler/retention-cleanup.ts): the pass is over when fewer are free. */
const RECLAIM_PAGES = 256;

export async function cleanupLateness(flags: Flags): Promise<Record<string, unknown>> {
  const dialect = flags.dialect();
  const tasks = flags.number('tasks', 1000);
  const old = flags.number('old', 1_000_000);
  const maxSeconds = flags.number('max-seconds', 600);
  const withCleanup = await run(flags, { tasks, old, retentionDays: 30, windowMs: maxSeconds * 1000, untilDeleted: true });
  const baseline = await run(flags, { tasks, old, retentionDays: 0, windowMs: withCleanup.window_ms, untilDeleted: false });
  const p99 = (result: RunResult) => result.lateness_ms.p99;
  const ratio = p99(withCleanup) !== null && p99(baseline) ? Math.round((p99(withCleanup)! / p99(baseline)!) * 100) / 100 : null;
  log(`fire lateness p99: ${p99(withCleanup)} ms with the cleanup, ${p99(baseline)} ms without: ratio ${ratio}`);
  return { workload: 'cleanup-lateness', database: dialect, fires_per_second: tasks, old_executions: old, with_cleanup: withCleanup, baseline, p99_ratio: ratio };
}

interface RunResult {
  window_ms: number;
  deleted_in_window: number;
  left_after_window: number;
  /** SQLite: free pages in the file at the window's end (the cleanup gives them back last). */
  free_pages_after_window: number | null;
  lateness_ms: { count: number; p50: number | null; p99: number | null; max: number | null; mean: number | null };
  /** The window in 10-second slices, each slice's lateness p99 (ms): where in the pass the late fires were. */
  p99_by_10_s: Array<number | null>;
  missed: number;
  doubled: number;
  server_recorded: ReturnType<typeof recordedLateness>;
  /** The machine's 1-minute load average as the window began and ended (it is shared: see README). */
  load_average: { start: number; end: number };
}

async function run(flags: Flags, options: { tasks: number; old: number; retentionDays: number; windowMs: number; untilDeleted: boolean }): Promise<RunResult> {
  const label = options.retentionDays > 0 ? 'cleanup' : 'baseline';
  const env: Record<string, string> = { CRONFLEET_EXECUTION_RETENTION_DAYS: String(options.retentionDays), CRONFLEET_CLEANUP_INTERVAL_SECONDS: '3600' };
  // Without this the baseline's pass would still read every old row to expire their logs.
  if (options.retentionDays === 0) env.CRONFLEET_LOG_RETENTION_DAYS = '0';
  const fleet = await startFleet({ dialect: flags.dialect(), label: `cl-${label}`, env });
  let watcher: Store | null = null;
  try {
    const history = (await fleet.api.expect('POST', '/api/v1/tasks', noopTask('history', null, { status: 'paused' }), 201)).id as string;
    const names = Array.from({ length: options.tasks }, (_, i) => `every-second-${i}`);
    await inParallel(names.length, 16, async (i) => void (await fleet.api.expect('POST', '/api/v1/tasks', noopTask(names[i]!, '* * * * * *'), 201)));
    // The old history goes in while no server runs: the restarted leader's first cleanup
    // pass then comes FIRST_PASS_MS after it is elected, with every row there.
    await fleet.servers[0]!.child.kill();
    await seedOldExecutions(fleet, history, options.old);
    await fleet.startServer(0);
    const elected = await waitLeader(fleet);
    watcher = await Store.open(fleet.database.url, { poolMax: 1 });
    const old = oldExecutions(watcher, history);
    log(`${label}: server restarted and leader; the cleanup's first pass is due in ${Math.round((elected + FIRST_PASS_MS - Date.now()) / 1000)} s`);
    // /healthz says leader a moment after the election: 2 s early, the window holds the first batch.
    const from = elected + FIRST_PASS_MS - 2000;
    await sleep(from - 500 - Date.now());
    const before = await fireLatenessBuckets(fleet.api);
    const loadAtStart = loadavg()[0]!;
    const leftAtStart = await old.count();
    let end = from + options.windowMs;
    for (;;) {
      await sleep(Math.min(5000, Math.max(0, end - Date.now())));
      const left = await old.count();
      const free = await old.freePages();
      log(`${label}: ${left} old executions left${free === null ? '' : `, ${free} free pages`}`);
      if (Date.now() >= end) break;
      // The pass ends by giving the freed pages back, RECLAIM_PAGES at a time, until none are free.
      if (options.untilDeleted && left <= 1 && (free === null || free < RECLAIM_PAGES)) {
        end = Date.now();
        break;
      }
    }
    const after = await fireLatenessBuckets(fleet.api);
    const loadAtEnd = loadavg()[0]!;
    const leftAtEnd = await old.count();
    const freeAtEnd = await old.freePages();
    const instants = instantsBetween(from, end, 1000);
    await sleep(3000);
    const score = scoreFires(fleet.starts, names, instants);
    const slices: Array<number | null> = [];
    for (let index = 0; index < instants.length; index += 10) slices.push(scoreFires(fleet.starts, names, instants.slice(index, index + 10)).lateness_ms.p99);
    log(`${label}: window ${Math.round((end - from) / 1000)} s, fire lateness p50 ${score.lateness_ms.p50} ms, p99 ${score.lateness_ms.p99} ms, deleted ${leftAtStart - leftAtEnd}, load ${loadAtStart} → ${loadAtEnd}`);
    return {
      window_ms: end - from,
      deleted_in_window: leftAtStart - leftAtEnd,
      left_after_window: leftAtEnd,
      free_pages_after_window: freeAtEnd,
      lateness_ms: score.lateness_ms,
      p99_by_10_s: slices,
      missed: score.missed,
      doubled: score.doubled,
      server_recorded: recordedLateness(before, after),
      load_average: { start: loadAtStart, end: loadAtEnd },
    };
  } finally {
    await watcher?.close();
    await fleet.stop();
  }
}

/** When the restarted server became leader (its cleanup's first pass is FIRST_PASS_MS later). */
async function waitLeader(fleet: Fleet): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const reply = await fleet.api.request('GET', '/healthz');
    if ((reply.body as { leader?: boolean } | null)?.leader === true) return Date.now();
    await sleep(100);
  }
  throw new Error('the restarted server did not become leader within 60 s');
}

/** The old rows as the benchmark's own connection sees them. */
function oldExecutions(store: Store, taskId: string): { count(): Promise<number>; freePages(): Promise<number | null> } {
  const { db, dialect } = rawDatabase(store);
  return {
    async count() {
      const row = await db
        .selectFrom('executions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('task_id', '=', taskId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async freePages() {
      if (dialect.name !== 'sqlite') return null;
      const result = await sql<{ freelist_count: unknown }>`pragma freelist_count`.execute(db);
      return Number(result.rows[0]?.freelist_count ?? 0);
    },
  };
}

/** `count` finished executions of `taskId`, 60 days old, in batches of 1,000 rows. */
async function seedOldExecutions(fleet: Fleet, taskId: string, count: number): Promise<void> {
  const store = await Store.open(fleet.database.url, { poolMax: 2 });
  try {
    const { db } = rawDatabase(store);
    const start = Date.now() - 60 * DAY_MS;
    const prefix = randomBytes(4).toString('hex');
    for (let offset = 0; offset < count; offset += 1000) {
      const rows: Array<Insertable<ExecutionsTable>> = [];
      for (let i = offset; i < Math.min(count, offset + 1000); i++) rows.push(oldRow(`${prefix}-${String(i).padStart(8, '0')}`, taskId, start + i * 1000));
      await db.insertInto('executions').values(rows).execute();
      if ((offset / 1000) % 100 === 99) log(`seeded ${offset + 1000} old executions`);
    }
  } finally {
    await store.close();
  }
}

function oldRow(id: string, taskId: string, scheduled: number): Insertable<ExecutionsTable> {
  return {
    id,
    task_id: taskId,
    task_version: 1,
    trigger: 'schedule',
    scheduled_time: scheduled,
    fire_time: scheduled,
    parameters: '{}',
    status: 'success',
    executor_id: null,
    attempt: 1,
    retry_of: null,
    run_at: null,
    start_time: scheduled + 5,
    end_time: scheduled + 105,
    deadline_at: null,
    exit_code: 0,
    result: null,
    error: null,
    reason: null,
    log_bytes: 0,
    shard_index: null,
    shard_total: null,
    parent_id: null,
    delivered_at: null,
    stop_requested: null,
    stop_delivered_at: null,
    log_expired: 0,
    created_at: scheduled,
    updated_at: scheduled,
  };
}
