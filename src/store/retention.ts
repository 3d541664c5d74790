// What history retention (issue 15) does to the database, in bounded steps the leader's
// cleanup (scheduler/retention-cleanup.ts) calls with pauses between them. Each step is
// one short statement or transaction over at most `limit` rows, so the fire path's
// statements never wait long behind it (on SQLite they share the one connection).
//
// Every statement runs on SQLite, PostgreSQL and MariaDB alike: candidates are read
// first and deleted by id (MariaDB refuses DELETE … LIMIT with a subquery on the same
// table), and every page is read in the order of an index (scheduled_time leads
// executions_time_status; task_id, scheduled_time lead executions_task_time_outcome), so
// no database sorts more than the page: a tie-breaker such as `, id` would make MariaDB
// sort every row of the range for each page.
//
// Rows named by id are looked up by id alone, and their status is checked here: with a
// `status in (…)` beside `id in (…)`, SQLite (no statistics) reads through
// executions_status, every finished execution of every task, for each batch: with a
// million old rows (bench/cleanup-lateness.ts) the cleanup got through ~300 a second.
import { sql, type Kysely, type Transaction } from 'kysely';
import { addDuration, mergeHistograms, type DurationHistogram } from '../domain/duration-histogram.ts';
import { terminalStatuses } from '../domain/execution.ts';
import type { DialectInfo } from './dialect.ts';
import { fromJson, toJson, toNullableNumber, toNumber } from './json.ts';
import type { Database } from './schema.ts';

const DAY_MS = 86_400_000;
const finished = [...terminalStatuses];
const isFinished = (status: string) => (finished as string[]).includes(status);
const outcomes = new Set(['success', 'failed', 'timeout']);
const failures = new Set(['failed', 'timeout']);

/** A finished or unfinished execution as the age scan sees it. */
export interface AgedExecution {
  id: string;
  taskId: string;
  finished: boolean;
  scheduledTime: number;
  logExpired: boolean;
}

/** Where an age scan goes on: at scheduled_time `from` (inclusive), or after it. */
export interface ScanCursor {
  from: number;
  inclusive: boolean;
}

type RollupCounts = { success: number; failed: number; timeout: number; skipped: number; cancelled: number };

interface RollupDelta extends RollupCounts {
  taskId: string;
  day: number;
  timedCount: number;
  timedSumMs: number;
  histogram: DurationHistogram;
  lastFailureAt: number | null;
}

function agedExecution(row: { id: string; task_id: string; status: string; scheduled_time: number; log_expired: number }): AgedExecution {
  return {
    id: row.id,
    taskId: row.task_id,
    finished: isFinished(row.status),
    scheduledTime: toNumber(row.scheduled_time),
    logExpired: toNumber(row.log_expired) === 1,
  };
}

export class RetentionRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: DialectInfo;

  constructor(db: Kysely<Database>, dialect: DialectInfo) {
    this.#db = db;
    this.#dialect = dialect;
  }

  /**
   * One page of executions scheduled before `before`, from `cursor` on, oldest first (in
   * index order: rows of one instant come in no particular order, so callers page on by
   * instant, see scheduler/retention-cleanup.ts).
   */
  async scanOlderThan(before: number, cursor: ScanCursor | null, limit: number): Promise<AgedExecution[]> {
    let query = this.#db.selectFrom('executions').select(['id', 'task_id', 'status', 'scheduled_time', 'log_expired']).where('scheduled_time', '<', before);
    if (cursor) query = query.where('scheduled_time', cursor.inclusive ? '>=' : '>', cursor.from);
    return (await query.orderBy('scheduled_time').limit(limit).execute()).map(agedExecution);
  }

  /** Every execution scheduled at exactly this instant (a page that held nothing else: many fires of one instant). */
  async scheduledAt(instant: number): Promise<AgedExecution[]> {
    return (await this.#db.selectFrom('executions').select(['id', 'task_id', 'status', 'scheduled_time', 'log_expired']).where('scheduled_time', '=', instant).execute()).map(agedExecution);
  }

  /** The scheduled time of the task's newest finished execution, or null. */
  async newestFinished(taskId: string): Promise<number | null> {
    const row = await this.#db.selectFrom('executions').select('scheduled_time').where('task_id', '=', taskId).where('status', 'in', finished).orderBy('scheduled_time', 'desc').limit(1).executeTakeFirst();
    return row ? toNumber(row.scheduled_time) : null;
  }

  /**
   * The id of the task's newest successful execution, or null: kept by every rule, so the
   * dead-man metric and alert (cronfleet_task_last_success_timestamp_seconds, no_success)
   * still know when a task that has failed since last worked.
   */
  async newestSuccess(taskId: string): Promise<string | null> {
    const row = await this.#db.selectFrom('executions').select('id').where('task_id', '=', taskId).where('status', '=', 'success').orderBy('scheduled_time', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
    return row?.id ?? null;
  }

  /** Tasks (deleted ones too: their history stays) with a history_limit. */
  async historyLimits(): Promise<Array<{ taskId: string; historyLimit: number }>> {
    const rows = await this.#db.selectFrom('tasks').select(['id', 'history_limit']).where('history_limit', 'is not', null).execute();
    return rows.map((row) => ({ taskId: row.id, historyLimit: toNumber(row.history_limit) }));
  }

  /**
   * Up to `limit` ids of the task's finished executions beyond its `keep` newest by
   * scheduled time (runs of one instant, such as broadcast shards, rank in no particular order).
   */
  async beyondHistoryLimit(taskId: string, keep: number, limit: number): Promise<string[]> {
    const rows = await this.#db.selectFrom('executions').select('id').where('task_id', '=', taskId).where('status', 'in', finished).orderBy('scheduled_time', 'desc').limit(limit).offset(keep).execute();
    return rows.map((row) => row.id);
  }

  /**
   * Deletes these executions (those of them still finished) with their log chunks, and
   * folds them into their task's daily rollups in the same transaction: a finished
   * execution is a live row or counted in a rollup, never both, never neither. The rows
   * are read with a lock where the database has one (PostgreSQL, MariaDB), so a second
   * cleaner racing on the same ids waits, then finds them gone and folds nothing.
   * Returns how many were deleted.
   */
  async foldAndDelete(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.#db.transaction().execute(async (trx) => {
      let read = trx.selectFrom('executions').select(['id', 'task_id', 'status', 'scheduled_time', 'start_time', 'end_time']).where('id', 'in', ids);
      if (this.#dialect.supportsForUpdate) read = read.forUpdate();
      const rows = (await read.execute()).filter((row) => isFinished(row.status));
      if (rows.length === 0) return 0;
      const deltas = new Map<string, RollupDelta>();
      for (const row of rows) {
        const scheduled = toNumber(row.scheduled_time);
        const day = scheduled - (scheduled % DAY_MS);
        const key = `${row.task_id}\u0000${day}`;
        let delta = deltas.get(key);
        if (!delta) {
          delta = { taskId: row.task_id, day, success: 0, failed: 0, timeout: 0, skipped: 0, cancelled: 0, timedCount: 0, timedSumMs: 0, histogram: {}, lastFailureAt: null };
          deltas.set(key, delta);
        }
        delta[row.status as keyof RollupCounts] += 1;
        const start = toNullableNumber(row.start_time);
        const end = toNullableNumber(row.end_time);
        if (outcomes.has(row.status) && start !== null && end !== null) {
          delta.timedCount += 1;
          delta.timedSumMs += end - start;
          addDuration(delta.histogram, end - start);
        }
        if (failures.has(row.status)) delta.lastFailureAt = Math.max(delta.lastFailureAt ?? scheduled, scheduled);
      }
      for (const delta of deltas.values()) await this.#addToRollup(trx, delta);
      const kept = rows.map((row) => row.id);
      await trx.deleteFrom('execution_logs').where('execution_id', 'in', kept).execute();
      // Read finished under lock (or by the only writer, SQLite): still finished, so deleted by id alone.
      const deleted = await trx.deleteFrom('executions').where('id', 'in', kept).executeTakeFirst();
      if (Number(deleted.numDeletedRows) !== kept.length) throw new Error(`retention: ${kept.length} executions folded but ${String(deleted.numDeletedRows)} deleted; rolled back`);
      return kept.length;
    });
  }

  /**
   * Deletes the log chunks of these executions (those finished), keeping the rows, and
   * marks them log_expired so the console says why there is no log. An execution that
   * never logged is left unmarked. Returns how many executions lost their log.
   */
  async expireLogs(ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.#db.transaction().execute(async (trx) => {
      const logged = (await trx.selectFrom('execution_logs').select('execution_id').distinct().where('execution_id', 'in', ids).execute()).map((row) => row.execution_id);
      if (logged.length === 0) return 0;
      const withLogs = (await trx.selectFrom('executions').select(['id', 'status']).where('id', 'in', logged).execute()).filter((row) => isFinished(row.status)).map((row) => row.id);
      if (withLogs.length === 0) return 0;
      await trx.deleteFrom('execution_logs').where('execution_id', 'in', withLogs).execute();
      await trx.updateTable('executions').set({ log_expired: 1 }).where('id', 'in', withLogs).execute();
      return withLogs.length;
    });
  }

  /** Deletes up to `limit` audit entries older than `before`, oldest first; returns how many. */
  async deleteAuditBefore(before: number, limit: number): Promise<number> {
    const ids = (await this.#db.selectFrom('audit_log').select('id').where('at', '<', before).orderBy('at').limit(limit).execute()).map((row) => row.id);
    if (ids.length === 0) return 0;
    const result = await this.#db.deleteFrom('audit_log').where('id', 'in', ids).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Agents offline since before `before` (their last heartbeat, or last change if they never sent one). */
  async agentsOfflineSince(before: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('executors')
      .select('id')
      .where('kind', '=', 'agent')
      .where('status', '=', 'offline')
      .where((eb) => eb.or([eb('last_heartbeat', '<', before), eb.and([eb('last_heartbeat', 'is', null), eb('updated_at', '<', before)])]))
      .execute();
    return rows.map((row) => row.id);
  }

  /**
   * Removes an agent that is still offline since before `before` and runs nothing, with
   * its routing state: sticky bindings to it are cleared (round-robin cursors are by
   * task, not by executor). Unlike an admin's removal it leaves no removal marker: an
   * agent that comes back after that long registers afresh, online. HTTP executors are
   * never removed here. Its executions keep its id as history. True when removed.
   */
  async removeOfflineAgent(id: string, before: number, now: number): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .deleteFrom('executors')
        .where('id', '=', id)
        .where('kind', '=', 'agent')
        .where('status', '=', 'offline')
        .where((eb) => eb.or([eb('last_heartbeat', '<', before), eb.and([eb('last_heartbeat', 'is', null), eb('updated_at', '<', before)])]))
        .where((eb) => eb.not(eb.exists(eb.selectFrom('executions').select('executions.id').where('executions.executor_id', '=', id).where('executions.status', '=', 'running'))))
        .executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) return false;
      const bound = await trx.selectFrom('load_balance_state').select(['state_key', 'value']).where('state_key', 'like', 'task:%').where('value', 'like', `%${id}%`).execute();
      for (const row of bound) {
        const state = fromJson<Record<string, unknown> | null>(row.value, null);
        if (state?.sticky !== id) continue;
        await trx
          .updateTable('load_balance_state')
          .set({ value: toJson({ ...state, sticky: null }), updated_at: now })
          .where('state_key', '=', row.state_key)
          .execute();
      }
      return true;
    });
  }

  /** Gives freed pages back to the file system, at most `maxPages` at a time; returns the pages still free (0 where nothing applies). */
  reclaimSpace(maxPages: number): Promise<number> {
    return this.#dialect.reclaimSpace(this.#db, maxPages);
  }

  async #addToRollup(trx: Transaction<Database>, delta: RollupDelta): Promise<void> {
    let read = trx.selectFrom('execution_rollups').select(['duration_histogram', 'last_failure_at']).where('task_id', '=', delta.taskId).where('day', '=', delta.day);
    if (this.#dialect.supportsForUpdate) read = read.forUpdate();
    const existing = await read.executeTakeFirst();
    if (!existing) {
      await trx
        .insertInto('execution_rollups')
        .values({
          task_id: delta.taskId,
          day: delta.day,
          success: delta.success,
          failed: delta.failed,
          timeout: delta.timeout,
          skipped: delta.skipped,
          cancelled: delta.cancelled,
          timed_count: delta.timedCount,
          timed_sum_ms: delta.timedSumMs,
          duration_histogram: toJson(delta.histogram),
          last_failure_at: delta.lastFailureAt,
        })
        .execute();
      return;
    }
    const histogram = fromJson<DurationHistogram>(existing.duration_histogram, {});
    mergeHistograms(histogram, delta.histogram);
    const previousFailure = toNullableNumber(existing.last_failure_at);
    const lastFailureAt = delta.lastFailureAt === null ? previousFailure : Math.max(previousFailure ?? delta.lastFailureAt, delta.lastFailureAt);
    await trx
      .updateTable('execution_rollups')
      .set({
        success: sql`success + ${delta.success}`,
        failed: sql`failed + ${delta.failed}`,
        timeout: sql`timeout + ${delta.timeout}`,
        skipped: sql`skipped + ${delta.skipped}`,
        cancelled: sql`cancelled + ${delta.cancelled}`,
        timed_count: sql`timed_count + ${delta.timedCount}`,
        timed_sum_ms: sql`timed_sum_ms + ${delta.timedSumMs}`,
        duration_histogram: toJson(histogram),
        last_failure_at: lastFailureAt,
      })
      .where('task_id', '=', delta.taskId)
      .where('day', '=', delta.day)
      .execute();
  }
}
