// Execution statistics by time window. Executions belong to the window of their
// scheduled_time (when they were due: the fire instant, or the trigger time of a manual
// run). Every query here is answered from an index of migration 006 alone
// (executions_time_status for all tasks, executions_task_time_outcome for one task), so
// they stay in the milliseconds at a million executions; bench/stats-queries.ts measures it.
//
// Executions deleted by history retention were folded into daily rollups first (store/
// retention.ts): a range made of whole UTC days (the 7d and 90d windows) counts the live
// rows plus the rollups of its days, so those stats do not change when retention deletes.
// A range that is not whole days (the 24h window, hourly) counts live rows only: a day's
// rollup cannot be split into hours, so executions deleted by retention (only a
// history_limit deletes any that recent) are missing from the hourly trend.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { addDuration, histogramP95, mergeHistograms, type DurationHistogram } from '../domain/duration-histogram.ts';
import type { ExecutionStatus } from '../domain/execution.ts';
import { fromJson, toNullableNumber, toNumber } from './json.ts';
import type { Database } from './schema.ts';

/** A half-open range [from, to) of scheduled times, epoch ms; `taskId` narrows to one task. */
export interface StatsRange {
  from: number;
  to: number;
  taskId?: string;
  /**
   * The range is read by the UTC day (the 7d and 90d windows): executions retention
   * folded into daily rollups count too. Otherwise (hourly) only live rows count.
   */
  byDay?: boolean;
}

export interface StatusCount {
  /** Start of the bucket (UTC), epoch ms. */
  bucket: number;
  status: ExecutionStatus;
  count: number;
  /** Of those, runs with both a start and an end time, and the sum of their end - start (one task only; 0 across all). */
  timedCount: number;
  timedSumMs: number;
}

export interface FailingTask {
  taskId: string;
  name: string;
  failures: number;
  lastFailureAt: number;
}

/** Outcomes that count towards a success rate: cancelled and skipped runs say nothing about the task. */
export const outcomeStatuses = ['success', 'failed', 'timeout'] as const;
const failureStatuses = ['failed', 'timeout'] as const;
/** The p95 duration is taken over at most this many latest runs of the window. */
const P95_SAMPLE = 10_000;
const DAY_MS = 86_400_000;
/** What a rollup row holds, by status (pending and running executions are never folded). */
const foldedStatuses = ['success', 'failed', 'timeout', 'skipped', 'cancelled'] as const;

/** Rollups count in a range read by the day and made of whole UTC days only (see the header). */
function coversWholeDays(range: StatsRange): boolean {
  return range.byDay === true && range.from % DAY_MS === 0 && range.to % DAY_MS === 0;
}

export class StatsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Executions per (bucket, status). Buckets are multiples of `bucketMs` since the epoch,
   * so hours and days are UTC. Only non-empty buckets are returned.
   */
  async countsByBucket(range: StatsRange, bucketMs: number): Promise<StatusCount[]> {
    // A literal bucket size: `x - x % size` is integer arithmetic on all three dialects.
    const size = sql.lit(Math.trunc(bucketMs));
    // For one task, durations ride along in the same index scan (executions_task_time_outcome
    // holds the times). Across all tasks the index holds none, and the timeline needs none.
    const timed = range.taskId === undefined ? sql`0 as timed_count, 0 as timed_sum` : sql`count(end_time - start_time) as timed_count, sum(end_time - start_time) as timed_sum`;
    const result = await sql<{ bucket: unknown; status: string; count: unknown; timed_count: unknown; timed_sum: unknown }>`
      select scheduled_time - scheduled_time % ${size} as bucket, status, count(*) as count, ${timed}
      from executions
      where ${this.#inRange(range)}
      group by scheduled_time - scheduled_time % ${size}, status`.execute(this.#db);
    const live = result.rows.map((row) => ({
      bucket: toNumber(row.bucket),
      status: row.status as ExecutionStatus,
      count: toNumber(row.count),
      timedCount: toNumber(row.timed_count),
      timedSumMs: toNumber(row.timed_sum ?? 0),
    }));
    if (!coversWholeDays(range) || bucketMs % DAY_MS !== 0) return live;
    return [...live, ...(await this.#foldedCounts(range, bucketMs))];
  }

  /**
   * The rollups' counts in the same shape as the live ones (a bucket and status may then
   * appear twice: callers add them up). A day's timed outcomes ride on its success entry,
   * as a rollup does not split them by status.
   */
  async #foldedCounts(range: StatsRange, bucketMs: number): Promise<StatusCount[]> {
    const size = sql.lit(Math.trunc(bucketMs));
    const result = await sql<Record<(typeof foldedStatuses)[number] | 'bucket' | 'timed_count' | 'timed_sum', unknown>>`
      select day - day % ${size} as bucket, sum(success) as success, sum(failed) as failed, sum(timeout) as timeout, sum(skipped) as skipped,
        sum(cancelled) as cancelled, sum(timed_count) as timed_count, sum(timed_sum_ms) as timed_sum
      from execution_rollups
      where ${this.#rollupRange(range)}
      group by day - day % ${size}`.execute(this.#db);
    const counts: StatusCount[] = [];
    for (const row of result.rows) {
      const bucket = toNumber(row.bucket);
      for (const status of foldedStatuses) {
        const timed = status === 'success' && range.taskId !== undefined;
        counts.push({ bucket, status, count: toNumber(row[status] ?? 0), timedCount: timed ? toNumber(row.timed_count ?? 0) : 0, timedSumMs: timed ? toNumber(row.timed_sum ?? 0) : 0 });
      }
    }
    return counts;
  }

  /** The durations of the executions folded into the range's days, on the rollups' log scale. */
  async #foldedDurations(range: StatsRange): Promise<{ count: number; histogram: DurationHistogram }> {
    const histogram: DurationHistogram = {};
    let count = 0;
    if (!coversWholeDays(range)) return { count, histogram };
    const rows = await this.#db
      .selectFrom('execution_rollups')
      .select(['timed_count', 'duration_histogram'])
      .where((eb) => eb.and([eb('day', '>=', range.from), eb('day', '<', range.to), ...(range.taskId === undefined ? [] : [eb('task_id', '=', range.taskId)])]))
      .where('timed_count', '>', 0)
      .execute();
    for (const row of rows) {
      count += toNumber(row.timed_count);
      mergeHistograms(histogram, fromJson<DurationHistogram>(row.duration_histogram, {}));
    }
    return { count, histogram };
  }

  #rollupRange(range: StatsRange): RawBuilder<unknown> {
    const time = sql`day >= ${range.from} and day < ${range.to}`;
    return range.taskId === undefined ? time : sql`task_id = ${range.taskId} and ${time}`;
  }

  /**
   * Nearest-rank 95th percentile of end - start: the duration at rank ceil(0.95 × n),
   * ascending, over the latest P95_SAMPLE outcomes (success, failed, timeout) with both
   * times — all of them for any task with fewer runs in the window. `timedCount` is how
   * many the window holds (from countsByBucket). The cap bounds the read: a task firing
   * every minute has 130,000 runs in 90 days, and sorting them all took ~50 ms.
   * Read from the top (descending, offset n - rank), so the database keeps a heap of the
   * slowest 5% instead of sorting the sample.
   * When the range's days hold executions retention folded away, the live sample and the
   * rollups' histograms are merged on the histogram's log scale (the sample weighted up to
   * the live runs it stands for): an estimate within 9% (domain/duration-histogram.ts).
   */
  async p95Duration(range: StatsRange, timedCount: number): Promise<number | null> {
    const folded = await this.#foldedDurations(range);
    if (folded.count > 0) return this.#mergedP95(range, Math.max(0, timedCount - folded.count), folded.histogram);
    const n = Math.min(timedCount, P95_SAMPLE);
    if (n === 0) return null;
    const offset = n - Math.ceil(0.95 * n);
    const result = await sql<{ duration: unknown }>`
      select duration from (
        select end_time - start_time as duration from executions
        where ${this.#inRange(range)} and status in (${sql.join([...outcomeStatuses])}) and start_time is not null and end_time is not null
        order by scheduled_time desc limit ${sql.lit(P95_SAMPLE)}
      ) latest
      order by duration desc limit 1 offset ${sql.lit(offset)}`.execute(this.#db);
    return toNullableNumber(result.rows[0]?.duration);
  }

  async #mergedP95(range: StatsRange, liveCount: number, histogram: DurationHistogram): Promise<number | null> {
    if (liveCount > 0) {
      const result = await sql<{ duration: unknown }>`
        select end_time - start_time as duration from executions
        where ${this.#inRange(range)} and status in (${sql.join([...outcomeStatuses])}) and start_time is not null and end_time is not null
        order by scheduled_time desc limit ${sql.lit(P95_SAMPLE)}`.execute(this.#db);
      const weight = result.rows.length === 0 ? 0 : liveCount / result.rows.length;
      for (const row of result.rows) addDuration(histogram, toNumber(row.duration), weight);
    }
    return histogramP95(histogram);
  }

  /** The statuses of one task's latest `limit` outcomes (success, failed, timeout), newest first. */
  async latestOutcomes(range: StatsRange, limit: number): Promise<ExecutionStatus[]> {
    const result = await sql<{ status: string }>`
      select status from executions
      where ${this.#inRange(range)} and status in (${sql.join([...outcomeStatuses])})
      order by scheduled_time desc limit ${sql.lit(Math.trunc(limit))}`.execute(this.#db);
    return result.rows.map((row) => row.status as ExecutionStatus);
  }

  /** Tasks with the most failed or timed-out executions in the range, most first. */
  async topFailing(range: StatsRange, limit: number): Promise<FailingTask[]> {
    const folded = coversWholeDays(range)
      ? (
          await sql<{ task_id: string; failures: unknown; last_failure_at: unknown }>`
            select task_id, sum(failed + timeout) as failures, max(last_failure_at) as last_failure_at
            from execution_rollups
            where ${this.#rollupRange(range)} and failed + timeout > 0
            group by task_id`.execute(this.#db)
        ).rows
      : [];
    // With folded failures, every task's live count is needed to rank the sums.
    const top = folded.length === 0 ? sql`limit ${sql.lit(Math.trunc(limit))}` : sql``;
    const live = await sql<{ task_id: string; failures: unknown; last_failure_at: unknown }>`
      select task_id, count(*) as failures, max(scheduled_time) as last_failure_at
      from executions
      where ${this.#inRange(range)} and status in (${sql.join([...failureStatuses])})
      group by task_id
      order by count(*) desc, max(scheduled_time) desc, task_id
      ${top}`.execute(this.#db);
    const byTask = new Map<string, { task_id: string; failures: number; last_failure_at: number }>();
    for (const row of [...live.rows, ...folded]) {
      const seen = byTask.get(row.task_id);
      const failures = toNumber(row.failures);
      const last = toNumber(row.last_failure_at ?? 0);
      byTask.set(row.task_id, seen ? { task_id: row.task_id, failures: seen.failures + failures, last_failure_at: Math.max(seen.last_failure_at, last) } : { task_id: row.task_id, failures, last_failure_at: last });
    }
    const ranked = [...byTask.values()].sort((a, b) => b.failures - a.failures || b.last_failure_at - a.last_failure_at || (a.task_id < b.task_id ? -1 : a.task_id > b.task_id ? 1 : 0)).slice(0, Math.trunc(limit));
    const result = { rows: ranked };
    if (result.rows.length === 0) return [];
    const names = await this.#db
      .selectFrom('tasks')
      .select(['id', 'name'])
      .where(
        'id',
        'in',
        result.rows.map((row) => row.task_id),
      )
      .execute();
    const nameOf = new Map(names.map((row) => [row.id, row.name]));
    return result.rows.map((row) => ({
      taskId: row.task_id,
      name: nameOf.get(row.task_id) ?? '',
      failures: toNumber(row.failures),
      lastFailureAt: toNumber(row.last_failure_at),
    }));
  }

  #inRange(range: StatsRange): RawBuilder<unknown> {
    const time = sql`scheduled_time >= ${range.from} and scheduled_time < ${range.to}`;
    return range.taskId === undefined ? time : sql`task_id = ${range.taskId} and ${time}`;
  }
}
