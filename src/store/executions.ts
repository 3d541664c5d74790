// Execution repository. Every state change is guarded by the status it moves from (in the
// UPDATE's WHERE clause, or for a multi-row finish on MySQL in the locking read before it:
// execution-finishes.ts), so racing writers cannot move an execution backwards or finish it twice.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Execution, ExecutionStatus, ExecutionTrigger, FinishStatus, NewExecution } from '../domain/execution.ts';
import { messageFromJson, type LocalizedText } from '../protocol/messages/index.ts';
import type { DialectInfo } from './dialect.ts';
import { finishExecutions, type FinishFields, type FinishRow } from './execution-finishes.ts';
import { fromJson, toJson, toNullableNumber, toNumber } from './json.ts';
import type { Database, ExecutionsTable } from './schema.ts';

export type { NewExecution } from '../domain/execution.ts';

export interface ExecutionListQuery {
  taskId?: string | undefined;
  status?: ExecutionStatus | undefined;
  executorId?: string | undefined;
  trigger?: string | undefined;
  /** Scheduled at or after this instant (epoch ms), and before `to`. */
  from?: number | undefined;
  to?: number | undefined;
  page: number;
  pageSize: number;
}

type Db = Kysely<Database> | Transaction<Database>;

export class ExecutionRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: DialectInfo;

  constructor(db: Kysely<Database>, dialect: DialectInfo) {
    this.#db = db;
    this.#dialect = dialect;
  }

  /**
   * Inserts executions, silently dropping schedule fires whose (task_id, fire_time) is
   * already in the ledger. Returns the ids that were actually inserted.
   */
  async insert(executions: NewExecution[], now: number, db: Db = this.#db): Promise<Set<string>> {
    if (executions.length === 0) return new Set();
    const rows = executions.map((execution) => newRow(execution, now));
    // Only a fire (its instant in the ledger) or a workflow step can meet a row already there:
    // anything else is inserted whole or fails, and needs no reading back.
    if (rows.every((row) => row.fire_time === null && row.workflow_run_id === null)) {
      for (let start = 0; start < rows.length; start += 500)
        await db
          .insertInto('executions')
          .values(rows.slice(start, start + 500))
          .execute();
      return new Set(rows.map((row) => row.id));
    }
    for (let start = 0; start < rows.length; start += 500) {
      const query = db.insertInto('executions').values(rows.slice(start, start + 500));
      await this.#dialect.ignoreConflicts(query as never).execute();
    }
    const inserted = new Set<string>();
    const ids = executions.map((execution) => execution.id);
    for (let start = 0; start < ids.length; start += 500) {
      const found = await db
        .selectFrom('executions')
        .select('id')
        .where('id', 'in', ids.slice(start, start + 500))
        .execute();
      for (const row of found) inserted.add(row.id);
    }
    return inserted;
  }

  async get(id: string): Promise<Execution | null> {
    const row = await this.#selectWithTask().where('executions.id', '=', id).executeTakeFirst();
    return row ? rowToExecution(row) : null;
  }

  async list(query: ExecutionListQuery): Promise<{ items: Execution[]; total: number }> {
    let base = this.#db.selectFrom('executions');
    if (query.taskId) base = base.where('executions.task_id', '=', query.taskId);
    if (query.status) base = base.where('executions.status', '=', query.status);
    if (query.executorId) base = base.where('executions.executor_id', '=', query.executorId);
    if (query.trigger) base = base.where('executions.trigger', '=', query.trigger);
    if (query.from !== undefined) base = base.where('executions.scheduled_time', '>=', query.from);
    if (query.to !== undefined) base = base.where('executions.scheduled_time', '<', query.to);
    // Page the ids first (MySQL cannot LIMIT inside IN), then fetch those rows with their task.
    const [page, count] = await Promise.all([
      base
        .select('executions.id')
        .orderBy('executions.id', 'desc')
        .limit(query.pageSize)
        .offset((query.page - 1) * query.pageSize)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirst(),
    ]);
    const ids = page.map((row) => row.id);
    const rows = ids.length === 0 ? [] : await this.#selectWithTask().where('executions.id', 'in', ids).orderBy('executions.id', 'desc').execute();
    return { items: rows.map(rowToExecution), total: toNumber(count?.total ?? 0) };
  }

  /**
   * Pending executions ready to dispatch (run_at reached): those of higher-priority tasks
   * first, then oldest first (ids sort by creation: the fire order). The dispatcher routes
   * in this order, so when executors lack capacity the free slots go to the highest
   * priority. (A task gone from the table sorts as priority 0; the dispatcher cancels it.)
   */
  async dispatchable(now: number, limit: number): Promise<Execution[]> {
    const rows = await this.#selectWithTask()
      .where('executions.status', '=', 'pending')
      .where((eb) => eb.or([eb('executions.run_at', 'is', null), eb('executions.run_at', '<=', now)]))
      .orderBy(sql`coalesce(tasks.priority, 0)`, 'desc')
      .orderBy('executions.id')
      .limit(limit)
      .execute();
    return rows.map(rowToExecution);
  }

  /** The earliest run_at of a pending execution still waiting for its backoff. */
  async earliestRunAt(now: number): Promise<number | null> {
    const row = await this.#db
      .selectFrom('executions')
      .select((eb) => eb.fn.min<number>('run_at').as('earliest'))
      .where('status', '=', 'pending')
      .where('run_at', '>', now)
      .executeTakeFirst();
    return toNullableNumber(row?.earliest);
  }

  async active(taskIds: string[], db: Db = this.#db): Promise<Array<{ id: string; taskId: string; status: ExecutionStatus; trigger: ExecutionTrigger; executorId: string | null }>> {
    if (taskIds.length === 0) return [];
    const rows = await db.selectFrom('executions').select(['id', 'task_id', 'status', 'trigger', 'executor_id']).where('task_id', 'in', taskIds).where('status', 'in', ['pending', 'running']).orderBy('id').execute();
    return rows.map((row) => ({ id: row.id, taskId: row.task_id, status: row.status as ExecutionStatus, trigger: row.trigger as ExecutionTrigger, executorId: row.executor_id }));
  }

  /** pending → running on an executor. False when someone else claimed or cancelled it. */
  async claim(id: string, executorId: string, now: number, deadlineAt: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('executions')
      .set({ status: 'running', executor_id: executorId, deadline_at: deadlineAt, reason: null, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * pending → running for many executions at once, in one transaction: the rows still
   * pending are read (on PostgreSQL with a row lock, so a second dispatcher, e.g. a
   * deposed leader, waits and then sees them claimed), then moved with one guarded
   * UPDATE per (executor, deadline) group. Returns the ids this call claimed; the others had been
   * claimed or cancelled by someone else. Same guarantee as `claim`, a fraction of the
   * round trips and commits.
   */
  async claimMany(claims: Array<{ id: string; executorId: string; deadlineAt: number }>, now: number): Promise<Set<string>> {
    if (claims.length === 0) return new Set();
    // Where a locking read over the status index also locks its gaps (MySQL), it deadlocks
    // with concurrent inserts (triggers), so claim row by row there, as `claim` does.
    if (claims.length === 1 || this.#dialect.lockingReadsLockGaps) {
      const claimed = new Set<string>();
      for (const claim of claims) if (await this.claim(claim.id, claim.executorId, now, claim.deadlineAt)) claimed.add(claim.id);
      return claimed;
    }
    return this.#db.transaction().execute(async (trx) => {
      const claimed = new Set<string>();
      for (let start = 0; start < claims.length; start += 500) {
        const ids = claims.slice(start, start + 500).map((claim) => claim.id);
        let query = trx.selectFrom('executions').select('id').where('id', 'in', ids).where('status', '=', 'pending');
        // SQLite serialises writers per database (one instance); PostgreSQL locks the rows.
        if (this.#dialect.supportsForUpdate) query = query.forUpdate();
        for (const row of await query.execute()) claimed.add(row.id);
      }
      const groups = new Map<string, { executorId: string; deadlineAt: number; ids: string[] }>();
      for (const claim of claims) {
        if (!claimed.has(claim.id)) continue;
        const key = `${claim.executorId}\u0000${claim.deadlineAt}`;
        const group = groups.get(key) ?? { executorId: claim.executorId, deadlineAt: claim.deadlineAt, ids: [] };
        group.ids.push(claim.id);
        groups.set(key, group);
      }
      for (const group of groups.values()) {
        for (let start = 0; start < group.ids.length; start += 500) {
          await trx
            .updateTable('executions')
            .set({ status: 'running', executor_id: group.executorId, deadline_at: group.deadlineAt, reason: null, updated_at: now })
            .where('id', 'in', group.ids.slice(start, start + 500))
            .where('status', '=', 'pending')
            .execute();
        }
      }
      return claimed;
    });
  }

  /**
   * Schedule fires recorded ahead of their instant (run_at still in the future) that
   * have not started: removed when their task is paused or deleted, so pausing just
   * before an instant stops that fire as it would have without the lead.
   */
  async dropEarlyFires(taskId: string, now: number): Promise<number> {
    const result = await this.#db.deleteFrom('executions').where('task_id', '=', taskId).where('trigger', '=', 'schedule').where('status', '=', 'pending').where('run_at', '>', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Records when running executions started (one statement per 500). */
  async markStarted(ids: readonly string[], startTime: number, now: number): Promise<void> {
    for (let start = 0; start < ids.length; start += 500) {
      await this.#db
        .updateTable('executions')
        .set({ start_time: startTime, updated_at: now })
        .where('id', 'in', ids.slice(start, start + 500))
        .where('status', '=', 'running')
        .execute();
    }
  }

  /** The reason a running execution is being stopped with; its executor's report then ends it keeping this reason. */
  async setStopReason(id: string, reason: string, now: number): Promise<void> {
    await this.#db.updateTable('executions').set({ reason, updated_at: now }).where('id', '=', id).where('status', '=', 'running').execute();
  }

  async setShard(id: string, index: number, total: number, now: number): Promise<void> {
    await this.#db.updateTable('executions').set({ shard_index: index, shard_total: total, updated_at: now }).where('id', '=', id).execute();
  }

  async setPendingReason(ids: string[], reason: string | null, now: number, detail: LocalizedText | null = null): Promise<void> {
    if (ids.length === 0) return;
    await this.#db
      .updateTable('executions')
      .set({ reason, reason_detail: detail === null ? null : toJson(detail), updated_at: now })
      .where('id', 'in', ids)
      .where('status', '=', 'pending')
      .execute();
  }

  /**
   * pending → skipped for waiting runs a full queue drops (the fire loop, in its fenced
   * transaction). Returns the ids skipped; one claimed or ended meanwhile is left alone.
   */
  async skipWaiting(ids: string[], reason: string, now: number, db: Db = this.#db): Promise<string[]> {
    if (ids.length === 0) return [];
    let read = db.selectFrom('executions').select('id').where('id', 'in', ids).where('status', '=', 'pending');
    if (this.#dialect.supportsForUpdate) read = read.forUpdate();
    const waiting = (await read.execute()).map((row) => row.id);
    if (waiting.length === 0) return [];
    await db.updateTable('executions').set({ status: 'skipped', reason, end_time: now, updated_at: now }).where('id', 'in', waiting).where('status', '=', 'pending').execute();
    return waiting;
  }

  /** running|pending → a terminal status. False when it had already finished. */
  async finish(id: string, status: FinishStatus, fields: FinishFields, now: number): Promise<boolean> {
    return (await this.finishMany([{ id, status, endTime: now, fields }], now)).has(id);
  }

  /**
   * running|pending → a terminal status for many executions in one statement (see
   * execution-finishes.ts). Returns the ids this call finished; the others had ended.
   */
  async finishMany(rows: readonly FinishRow[], now: number): Promise<Set<string>> {
    return finishExecutions(this.#db, this.#dialect, rows, now);
  }

  /** The executions of workflow runs (every attempt of every step), in id order. */
  async ofWorkflowRuns(runIds: readonly string[]): Promise<Execution[]> {
    if (runIds.length === 0) return [];
    const rows = await this.#selectWithTask()
      .where('executions.workflow_run_id', 'in', [...runIds])
      .orderBy('executions.id')
      .execute();
    return rows.map(rowToExecution);
  }

  /** Running on an executor; with `deliveredOnly`, only runs that reached it. */
  async runningOn(executorId: string, deliveredOnly = false): Promise<Execution[]> {
    let query = this.#selectWithTask().where('executions.executor_id', '=', executorId).where('executions.status', '=', 'running');
    if (deliveredOnly) query = query.where('executions.delivered_at', 'is not', null);
    return (await query.execute()).map(rowToExecution);
  }

  /** The run never reached its executor after all: deliver it again. */
  async undeliver(id: string): Promise<void> {
    await this.#db.updateTable('executions').set({ delivered_at: null }).where('id', '=', id).where('status', '=', 'running').where('start_time', 'is', null).execute();
  }

  async markDelivered(id: string, now: number): Promise<void> {
    await this.#db.updateTable('executions').set({ delivered_at: now }).where('id', '=', id).where('delivered_at', 'is', null).execute();
  }

  async markDeliveredMany(ids: string[], now: number): Promise<void> {
    for (let start = 0; start < ids.length; start += 500) {
      await this.#db
        .updateTable('executions')
        .set({ delivered_at: now })
        .where('id', 'in', ids.slice(start, start + 500))
        .where('delivered_at', 'is', null)
        .execute();
    }
  }

  /** Runs routed to these executors that have not reached them yet (cluster delivery). */
  async undelivered(executorIds: string[], limit: number): Promise<Execution[]> {
    if (executorIds.length === 0) return [];
    const rows = await this.#selectWithTask()
      .where('executions.status', '=', 'running')
      .where('executions.delivered_at', 'is', null)
      .where('executions.executor_id', 'in', executorIds)
      .orderBy('executions.id')
      .limit(limit)
      .execute();
    return rows.map(rowToExecution);
  }

  /**
   * Asks whichever instance holds the executor's socket to stop or kill a run. A stop
   * never replaces a kill still waiting for delivery (false then): the kill goes out.
   */
  async requestStop(id: string, action: 'stop' | 'kill', now: number): Promise<boolean> {
    let update = this.#db.updateTable('executions').set({ stop_requested: action, stop_delivered_at: null, updated_at: now }).where('id', '=', id).where('status', '=', 'running');
    if (action === 'stop') update = update.where((eb) => eb.or([eb('stop_requested', 'is', null), eb('stop_requested', '!=', 'kill'), eb('stop_delivered_at', 'is not', null)]));
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async pendingStops(executorIds: string[]): Promise<Array<{ id: string; executorId: string; action: 'stop' | 'kill' }>> {
    if (executorIds.length === 0) return [];
    const rows = await this.#db
      .selectFrom('executions')
      .select(['id', 'executor_id', 'stop_requested'])
      .where('status', '=', 'running')
      .where('stop_requested', 'is not', null)
      .where('stop_delivered_at', 'is', null)
      .where('executor_id', 'in', executorIds)
      .execute();
    return rows.map((row) => ({ id: row.id, executorId: row.executor_id!, action: row.stop_requested === 'kill' ? 'kill' : 'stop' }));
  }

  async markStopDelivered(id: string, now: number): Promise<void> {
    await this.#db.updateTable('executions').set({ stop_delivered_at: now }).where('id', '=', id).execute();
  }

  async runningCountByExecutor(): Promise<Map<string, number>> {
    const rows = await this.#db
      .selectFrom('executions')
      .select(['executor_id', (eb) => eb.fn.countAll<number>().as('count')])
      .where('status', '=', 'running')
      .groupBy('executor_id')
      .execute();
    return new Map(rows.filter((row) => row.executor_id !== null).map((row) => [row.executor_id!, toNumber(row.count)]));
  }

  /** Running executions past their deadline: their executor never reported an end. */
  async overdue(now: number, limit: number): Promise<Execution[]> {
    const rows = await this.#selectWithTask().where('executions.status', '=', 'running').where('executions.deadline_at', '<', now).limit(limit).execute();
    return rows.map(rowToExecution);
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom('executions')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('status', 'in', ['pending', 'running'])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, toNumber(row.count)]));
  }

  async addLogBytes(id: string, bytes: number): Promise<void> {
    await this.#db
      .updateTable('executions')
      .set((eb) => ({ log_bytes: eb('log_bytes', '+', bytes) }))
      .where('id', '=', id)
      .execute();
  }

  #selectWithTask() {
    return this.#db.selectFrom('executions').leftJoin('tasks', 'tasks.id', 'executions.task_id').selectAll('executions').select('tasks.name as task_name');
  }
}

function newRow(execution: NewExecution, now: number): ExecutionsTable {
  const finished = execution.status !== 'pending';
  return {
    id: execution.id,
    task_id: execution.taskId,
    task_version: execution.taskVersion,
    trigger: execution.trigger,
    scheduled_time: execution.scheduledTime,
    fire_time: execution.fireTime,
    parameters: toJson(execution.parameters),
    status: execution.status,
    executor_id: execution.executorId ?? null,
    attempt: execution.attempt,
    retry_of: execution.retryOf,
    run_at: execution.runAt,
    start_time: null,
    end_time: finished ? now : null,
    deadline_at: null,
    exit_code: null,
    result: null,
    error: null,
    reason: execution.reason,
    log_bytes: 0,
    shard_index: execution.shardIndex ?? null,
    shard_total: execution.shardTotal ?? null,
    parent_id: execution.parentId ?? null,
    workflow_run_id: execution.workflowRunId ?? null,
    workflow_step: execution.workflowStep ?? null,
    ...(execution.reasonDetail ? { reason_detail: toJson(execution.reasonDetail) } : {}),
    delivered_at: null,
    stop_requested: null,
    stop_delivered_at: null,
    log_expired: 0,
    created_at: now,
    updated_at: now,
  };
}

/** An execution just inserted, as `get` would read it back (without reading it back). */
export function insertedExecution(execution: NewExecution, taskName: string, now: number): Execution {
  return rowToExecution({ error_detail: null, reason_detail: null, ...newRow(execution, now), task_name: taskName } as Selectable<ExecutionsTable> & { task_name: string });
}

function rowToExecution(row: Selectable<ExecutionsTable> & { task_name: string | null }): Execution {
  return {
    id: row.id,
    taskId: row.task_id,
    taskName: row.task_name ?? '',
    taskVersion: toNumber(row.task_version),
    trigger: row.trigger as ExecutionTrigger,
    scheduledTime: toNumber(row.scheduled_time),
    parameters: fromJson(row.parameters, {}),
    status: row.status as ExecutionStatus,
    executorId: row.executor_id,
    attempt: toNumber(row.attempt),
    retryOf: row.retry_of,
    runAt: toNullableNumber(row.run_at),
    startTime: toNullableNumber(row.start_time),
    endTime: toNullableNumber(row.end_time),
    exitCode: toNullableNumber(row.exit_code),
    result: fromJson(row.result, null),
    error: row.error,
    errorDetail: row.error_detail ? messageFromJson(fromJson(row.error_detail, null)) : null,
    reason: row.reason,
    reasonDetail: reasonDetail(row.reason, row.reason_detail),
    shardIndex: toNullableNumber(row.shard_index),
    shardTotal: toNullableNumber(row.shard_total),
    parentId: row.parent_id,
    logExpired: toNumber(row.log_expired) === 1,
    workflowRunId: row.workflow_run_id ?? null,
    workflowStep: row.workflow_step ?? null,
    createdAt: toNumber(row.created_at),
  };
}

/**
 * The message a waiting reason was worded from, while the stored reason is still its English:
 * only the dispatcher writes one, and whatever writes another reason (a claim, a stop, the
 * finish's code) leaves the old message behind, no longer matching.
 */
function reasonDetail(reason: string | null, stored: string | null | undefined): LocalizedText | null {
  const message = reason !== null && stored ? messageFromJson(fromJson(stored, null)) : null;
  return message !== null && message.toString() === reason ? message : null;
}
