// Execution statistics by time window. Executions belong to the window of their
// scheduled_time (when they were due: the fire instant, or the trigger time of a manual
// run). Every query here is answered from an index of migration 006 alone
// (executions_time_status for all tasks, executions_task_time_outcome for one task), so
// they stay in the milliseconds at a million executions; bench/stats-queries.ts measures it.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { ExecutionStatus } from '../domain/execution.ts';
import { toNullableNumber, toNumber } from './json.ts';
import type { Database } from './schema.ts';

/** A half-open range [from, to) of scheduled times, epoch ms; `taskId` narrows to one task. */
export interface StatsRange {
  from: number;
  to: number;
  taskId?: string;
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
    return result.rows.map((row) => ({
      bucket: toNumber(row.bucket),
      status: row.status as ExecutionStatus,
      count: toNumber(row.count),
      timedCount: toNumber(row.timed_count),
      timedSumMs: toNumber(row.timed_sum ?? 0),
    }));
  }

  /**
   * Nearest-rank 95th percentile of end - start: the duration at rank ceil(0.95 × n),
   * ascending, over the latest P95_SAMPLE outcomes (success, failed, timeout) with both
   * times — all of them for any task with fewer runs in the window. `timedCount` is how
   * many the window holds (from countsByBucket). The cap bounds the read: a task firing
   * every minute has 130,000 runs in 90 days, and sorting them all took ~50 ms.
   * Read from the top (descending, offset n - rank), so the database keeps a heap of the
   * slowest 5% instead of sorting the sample.
   */
  async p95Duration(range: StatsRange, timedCount: number): Promise<number | null> {
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
    const result = await sql<{ task_id: string; failures: unknown; last_failure_at: unknown }>`
      select task_id, count(*) as failures, max(scheduled_time) as last_failure_at
      from executions
      where ${this.#inRange(range)} and status in (${sql.join([...failureStatuses])})
      group by task_id
      order by count(*) desc, max(scheduled_time) desc, task_id
      limit ${sql.lit(Math.trunc(limit))}`.execute(this.#db);
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
