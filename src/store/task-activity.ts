// What a task list row and a task page show beside the definition: the latest runs of
// many tasks at once (one query for a whole page), and the task's change history as the
// audit log recorded it.
import { sql, type Kysely } from 'kysely';
import type { ExecutionStatus } from '../domain/execution.ts';
import { fromJson, toNullableNumber, toNumber } from './json.ts';
import type { Database } from './schema.ts';

export interface RecentExecution {
  id: string;
  taskId: string;
  status: ExecutionStatus;
  scheduledTime: number;
  endTime: number | null;
}

/**
 * The latest `perTask` executions of each task, newest first, in one statement: a window
 * function numbers each task's runs (SQLite ≥ 3.25, PostgreSQL, MariaDB ≥ 10.2 all have
 * it), so a page of 100 tasks costs one query, not 100. Broadcast children are left out:
 * their parent stands for the fire.
 */
export async function recentExecutions(db: Kysely<Database>, taskIds: readonly string[], perTask: number): Promise<Map<string, RecentExecution[]>> {
  const byTask = new Map<string, RecentExecution[]>(taskIds.map((id) => [id, []]));
  if (taskIds.length === 0) return byTask;
  const numbered = db
    .selectFrom('executions')
    .select(['id', 'task_id', 'status', 'scheduled_time', 'end_time', 'created_at'])
    .select(sql<number>`row_number() over (partition by task_id order by created_at desc, id desc)`.as('position'))
    .where('task_id', 'in', [...taskIds])
    .where('parent_id', 'is', null);
  const rows = await db.selectFrom(numbered.as('numbered')).selectAll().where('position', '<=', perTask).orderBy('task_id').orderBy('position').execute();
  for (const row of rows) {
    byTask.get(row.task_id)?.push({ id: row.id, taskId: row.task_id, status: row.status as ExecutionStatus, scheduledTime: toNumber(row.scheduled_time), endTime: toNullableNumber(row.end_time) });
  }
  return byTask;
}

export interface TaskHistoryEntry {
  id: string;
  at: number;
  actor: string;
  action: string;
  before: unknown;
  after: unknown;
}

/** The audit actions that change a task's definition or state (manual runs and stops are not versions). */
const taskHistoryActions = ['task.create', 'task.update', 'task.pause', 'task.resume', 'task.delete', 'task.restore'] as const;

/** A task's audit entries that changed it, newest first. */
export async function taskHistory(db: Kysely<Database>, taskId: string, page: number, pageSize: number): Promise<{ items: TaskHistoryEntry[]; total: number }> {
  const base = db
    .selectFrom('audit_log')
    .where('resource_type', '=', 'task')
    .where('resource_id', '=', taskId)
    .where('action', 'in', [...taskHistoryActions]);
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    base
      .selectAll()
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize)
      .execute(),
  ]);
  return {
    total: toNumber(count.n),
    items: rows.map((row) => ({ id: row.id, at: toNumber(row.at), actor: row.actor, action: row.action, before: fromJson(row.before_state, null), after: fromJson(row.after_state, null) })),
  };
}

/** Per task, the end of its newest successful execution (a subquery: task_id, end_time). */
function newestSuccessEnds(db: Kysely<Database>) {
  return db
    .selectFrom('executions')
    .select('task_id')
    .select((eb) => eb.fn.max('end_time').as('end_time'))
    .where('status', '=', 'success')
    .groupBy('task_id');
}

export interface LastSuccess {
  taskName: string;
  endTime: number;
}

/**
 * When each live task last succeeded (the dead-man metric): the end of its newest
 * successful execution, for tasks that have one. One grouped statement over the covering
 * index executions_task_time_outcome; the metrics endpoint caches it between scrapes.
 */
export async function lastSuccesses(db: Kysely<Database>): Promise<LastSuccess[]> {
  const newest = newestSuccessEnds(db);
  const rows = await db.selectFrom(newest.as('newest')).innerJoin('tasks', 'tasks.id', 'newest.task_id').select(['tasks.name', 'newest.end_time']).where('tasks.status', '!=', 'deleted').orderBy('tasks.name').execute();
  return rows.flatMap((row) => (row.end_time === null ? [] : [{ taskName: row.name, endTime: toNumber(row.end_time) }]));
}

export interface SuccessSummary {
  taskId: string;
  taskName: string;
  tags: string[];
  createdAt: number;
  /** End of its newest successful execution; null if it never succeeded. */
  lastSuccess: number | null;
}

/** Every active task with its last success (the dead-man alert's input), in one statement. */
export async function successSummaries(db: Kysely<Database>): Promise<SuccessSummary[]> {
  const newest = newestSuccessEnds(db);
  const rows = await db
    .selectFrom('tasks')
    .leftJoin(newest.as('newest'), 'newest.task_id', 'tasks.id')
    .select(['tasks.id', 'tasks.name', 'tasks.tags', 'tasks.created_at', 'newest.end_time'])
    .where('tasks.status', '=', 'active')
    .execute();
  return rows.map((row) => ({ taskId: row.id, taskName: row.name, tags: fromJson<string[]>(row.tags, []), createdAt: toNumber(row.created_at), lastSuccess: toNullableNumber(row.end_time) }));
}
