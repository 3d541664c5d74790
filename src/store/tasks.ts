// Task repository: definitions, status, and the fire cursor (next_fire_at / last_fire_at).
import { sql, type Kysely, type Selectable, type SelectQueryBuilder, type Transaction } from 'kysely';
import { type Task, type TaskDefinition, type TaskExecutorRef, type TaskStatus } from '../domain/task.ts';
import { withSecrets } from '../domain/secrets.ts';
import { CronfleetError } from '../protocol/errors.ts';
import { text } from '../protocol/messages/index.ts';
import { fromJson, toJson, toNullableNumber, toNumber } from './json.ts';
import type { Database, TasksTable } from './schema.ts';
import { lastSuccesses, recentExecutions, successSummaries, taskHistory, type LastSuccess, type RecentExecution, type SuccessSummary, type TaskHistoryEntry } from './task-activity.ts';
import type { TaskSort } from '../protocol/rest-schemas.ts';

export interface TaskListQuery {
  status?: TaskStatus | undefined;
  type?: string | undefined;
  search?: string | undefined;
  tags?: readonly string[] | undefined;
  /** A column, '-' first for descending; default name. */
  sort?: TaskSort | undefined;
  page: number;
  pageSize: number;
}

export class TaskRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(id: string, definition: TaskDefinition, status: TaskStatus, nextFireAt: number | null, now: number): Promise<Task> {
    await this.#assertNameFree(definition.name, null);
    const row: TasksTable = { id, ...definitionColumns(definition), status, next_fire_at: nextFireAt, last_fire_at: null, version: 1, created_at: now, updated_at: now, deleted_at: null };
    try {
      await this.#db.transaction().execute(async (trx) => {
        await trx.insertInto('tasks').values(row).execute();
        await writeExecutors(trx, id, definition);
      });
    } catch (error) {
      await this.#assertNameFree(definition.name, null);
      throw error;
    }
    return rowToTask({ ...row, priority: definition.priority, on_success_trigger: row.on_success_trigger ?? null }, definition.executors);
  }

  async get(id: string): Promise<Task | null> {
    const row = await this.#db.selectFrom('tasks').selectAll().where('id', '=', id).where('status', '!=', 'deleted').executeTakeFirst();
    return row ? (await this.#withExecutors([row]))[0]! : null;
  }

  async getIncludingDeleted(id: string): Promise<Task | null> {
    const row = await this.#db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? (await this.#withExecutors([row]))[0]! : null;
  }

  async list(query: TaskListQuery): Promise<{ items: Task[]; total: number }> {
    let base = this.#db.selectFrom('tasks');
    base = query.status ? base.where('status', '=', query.status) : base.where('status', '!=', 'deleted');
    if (query.type) base = base.where('type', '=', query.type);
    // '!' escapes LIKE wildcards the same way on every dialect (backslash does not).
    const like = (text: string) => text.replace(/[%_!]/g, (c) => `!${c}`);
    // Search reads names and descriptions, ignoring letter case the same way on every dialect
    // (lower() on both sides); the text is composed (NFC) as names are stored.
    const pattern = query.search ? `%${like(query.search.normalize('NFC'))}%` : '';
    if (query.search) base = base.where(sql<boolean>`(lower(name) like lower(${pattern}) escape '!' or lower(description) like lower(${pattern}) escape '!')`);
    // Tags are a JSON array of strings: match one whole element, quotes included.
    for (const tag of query.tags ?? []) base = base.where(sql<boolean>`tags like ${`%${like(JSON.stringify(tag))}%`} escape '!'`);
    const [rows, count] = await Promise.all([
      orderBySort(base.selectAll(), query.sort ?? 'name')
        .limit(query.pageSize)
        .offset((query.page - 1) * query.pageSize)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirst(),
    ]);
    return { items: await this.#withExecutors(rows), total: toNumber(count?.total ?? 0) };
  }

  /** The latest executions of each task, newest first (the list's run history). */
  async recentExecutions(taskIds: readonly string[], perTask: number): Promise<Map<string, RecentExecution[]>> {
    return recentExecutions(this.#db, taskIds, perTask);
  }

  /** When each live task last succeeded, for those that ever did (the dead-man metric). */
  async lastSuccesses(): Promise<LastSuccess[]> {
    return lastSuccesses(this.#db);
  }

  /** Every active task with when it last succeeded (the dead-man alert). */
  async successSummaries(): Promise<SuccessSummary[]> {
    return successSummaries(this.#db);
  }

  /** The audit entries that changed a task, newest first. */
  async history(taskId: string, page: number, pageSize: number): Promise<{ items: TaskHistoryEntry[]; total: number }> {
    return taskHistory(this.#db, taskId, page, pageSize);
  }

  /**
   * Brings a deleted task back, paused (nothing fires until someone resumes it), with
   * its name live again; name_taken when another task took the name meanwhile. Null when
   * no deleted task has this id. The unique live_name decides a race with a create.
   */
  async restore(id: string, now: number): Promise<Task | null> {
    const row = await this.#db.selectFrom('tasks').select(['name']).where('id', '=', id).where('status', '=', 'deleted').executeTakeFirst();
    if (!row) return null;
    await this.#assertNameFree(row.name, id);
    try {
      await this.#db
        .updateTable('tasks')
        .set((eb) => ({ status: 'paused', live_name: eb.ref('name'), deleted_at: null, next_fire_at: null, updated_at: now }))
        .where('id', '=', id)
        .where('status', '=', 'deleted')
        .execute();
    } catch (error) {
      await this.#assertNameFree(row.name, id);
      throw error;
    }
    return this.get(id);
  }

  /** Replaces the definition; bumps version. `nextFireAt` is recomputed by the caller. */
  async update(id: string, definition: TaskDefinition, nextFireAt: number | null, now: number): Promise<Task | null> {
    await this.#assertNameFree(definition.name, id);
    await this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('tasks')
        .set((eb) => ({ ...definitionColumns(definition), next_fire_at: nextFireAt, updated_at: now, version: eb('version', '+', 1) }))
        .where('id', '=', id)
        .where('status', '!=', 'deleted')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) await writeExecutors(trx, id, definition);
    });
    return this.get(id);
  }

  async setStatus(id: string, status: TaskStatus, nextFireAt: number | null, now: number): Promise<Task | null> {
    await this.#db
      .updateTable('tasks')
      .set({ status, next_fire_at: nextFireAt, updated_at: now, ...(status === 'deleted' ? { deleted_at: now, live_name: null } : {}) })
      .where('id', '=', id)
      .where('status', '!=', 'deleted')
      .execute();
    return this.getIncludingDeleted(id);
  }

  /** Active tasks whose next fire is due, earliest first. */
  async due(now: number, limit: number): Promise<Task[]> {
    const rows = await this.#db.selectFrom('tasks').selectAll().where('status', '=', 'active').where('next_fire_at', '<=', now).orderBy('next_fire_at').limit(limit).execute();
    return this.#withExecutors(rows);
  }

  async earliestFireAt(): Promise<number | null> {
    const row = await this.#db
      .selectFrom('tasks')
      .select((eb) => eb.fn.min<number>('next_fire_at').as('earliest'))
      .where('status', '=', 'active')
      .executeTakeFirst();
    return toNullableNumber(row?.earliest);
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.#db
      .selectFrom('tasks')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, toNumber(row.count)]));
  }

  /** Loads the named executors of several tasks in one query. */
  async #withExecutors(rows: Array<Selectable<TasksTable>>): Promise<Task[]> {
    if (rows.length === 0) return [];
    const refs = await this.#db
      .selectFrom('task_executors')
      .selectAll()
      .where(
        'task_id',
        'in',
        rows.map((row) => row.id),
      )
      .orderBy('priority')
      .orderBy('executor_id')
      .execute();
    const byTask = new Map<string, TaskExecutorRef[]>();
    for (const ref of refs) {
      const list = byTask.get(ref.task_id) ?? [];
      list.push({ executor: ref.executor_id, weight: toNumber(ref.weight), priority: toNumber(ref.priority) });
      byTask.set(ref.task_id, list);
    }
    return rows.map((row) => rowToTask(row, byTask.get(row.id) ?? []));
  }

  async #assertNameFree(name: string, exceptId: string | null): Promise<void> {
    let query = this.#db.selectFrom('tasks').select('id').where('live_name', '=', name);
    if (exceptId) query = query.where('id', '!=', exceptId);
    const clash = await query.executeTakeFirst();
    if (clash) throw new CronfleetError('name_taken', text('task.nameTaken', { name }), { field: 'name', value: name, task_id: clash.id });
  }
}

/** Tasks without a next fire (paused, manual only) sort last either way, on every dialect; the id breaks ties so pages never overlap. */
function orderBySort<Q extends SelectQueryBuilder<Database, 'tasks', Selectable<TasksTable>>>(query: Q, sort: TaskSort): Q {
  const descending = sort.startsWith('-');
  const column = (descending ? sort.slice(1) : sort) as 'name' | 'next_fire_at' | 'last_fire_at' | 'created_at' | 'updated_at';
  const direction = descending ? 'desc' : 'asc';
  const nullable = column === 'next_fire_at' || column === 'last_fire_at';
  const withNulls = nullable ? query.orderBy(sql`case when ${sql.ref(column)} is null then 1 else 0 end`) : query;
  return withNulls.orderBy(column, direction).orderBy('id', direction) as Q;
}

async function writeExecutors(trx: Transaction<Database>, taskId: string, definition: TaskDefinition): Promise<void> {
  await trx.deleteFrom('task_executors').where('task_id', '=', taskId).execute();
  if (definition.executors.length === 0) return;
  await trx
    .insertInto('task_executors')
    .values(definition.executors.map((ref) => ({ task_id: taskId, executor_id: ref.executor, weight: ref.weight, priority: ref.priority })))
    .execute();
}

function definitionColumns(definition: TaskDefinition) {
  assertSealed(definition);
  return {
    name: definition.name,
    live_name: definition.name,
    description: definition.description,
    tags: toJson(definition.tags),
    cron_expression: definition.cronExpression,
    timezone: definition.timezone,
    cron_dialect: definition.cronDialect,
    type: definition.type,
    spec: toJson(definition.spec),
    parameters: toJson(definition.parameters),
    execution_mode: definition.executionMode,
    load_balance_strategy: definition.loadBalanceStrategy,
    executor_labels: toJson(definition.executorLabels),
    max_retry: definition.maxRetry,
    retry_backoff_seconds: definition.retryBackoffSeconds,
    retry_backoff_max_seconds: definition.retryBackoffMaxSeconds,
    timeout_seconds: definition.timeoutSeconds,
    misfire_policy: definition.misfirePolicy,
    misfire_grace_seconds: definition.misfireGraceSeconds,
    max_queued: definition.maxQueued,
    dispatch_timeout_seconds: definition.dispatchTimeoutSeconds,
    history_limit: definition.historyLimit,
    priority: definition.priority,
    on_success_trigger: definition.onSuccessTrigger.length === 0 ? null : toJson(definition.onSuccessTrigger),
  };
}

/** The last guard before SQL: a secret reaches the database sealed, or not at all. */
function assertSealed(definition: TaskDefinition): void {
  withSecrets(definition, (secret, path) => {
    if (!('$sealed' in secret)) throw new CronfleetError('internal', `${path.join('.')}: a secret must be sealed before it is stored`);
    return secret;
  });
}

function rowToTask(row: Selectable<TasksTable>, executors: TaskExecutorRef[]): Task {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    tags: fromJson(row.tags, []),
    cronExpression: row.cron_expression,
    timezone: row.timezone,
    cronDialect: row.cron_dialect === 'quartz' ? 'quartz' : 'standard',
    type: row.type as Task['type'],
    spec: fromJson(row.spec, { handler: row.name }),
    parameters: fromJson(row.parameters, {}),
    executionMode: row.execution_mode as Task['executionMode'],
    loadBalanceStrategy: row.load_balance_strategy as Task['loadBalanceStrategy'],
    executorLabels: fromJson(row.executor_labels, {}),
    executors,
    maxRetry: toNumber(row.max_retry),
    retryBackoffSeconds: toNumber(row.retry_backoff_seconds),
    retryBackoffMaxSeconds: toNumber(row.retry_backoff_max_seconds),
    timeoutSeconds: toNumber(row.timeout_seconds),
    misfirePolicy: row.misfire_policy as Task['misfirePolicy'],
    misfireGraceSeconds: toNumber(row.misfire_grace_seconds),
    maxQueued: toNumber(row.max_queued),
    dispatchTimeoutSeconds: toNumber(row.dispatch_timeout_seconds),
    historyLimit: toNullableNumber(row.history_limit),
    priority: toNumber(row.priority ?? 0),
    onSuccessTrigger: row.on_success_trigger ? fromJson(row.on_success_trigger, []) : [],
    status: row.status as TaskStatus,
    nextFireAt: toNullableNumber(row.next_fire_at),
    lastFireAt: toNullableNumber(row.last_fire_at),
    version: toNumber(row.version),
    createdAt: toNumber(row.created_at),
    updatedAt: toNumber(row.updated_at),
  };
}
