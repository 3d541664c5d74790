// "What changed since" reads for the live event stream. Every write to executions,
// tasks and executors sets updated_at, so a cursor on it (indexed by migration 006)
// finds changes made by any instance, on every dialect, without a change log table.
import type { Kysely } from 'kysely';
import type { ExecutionStatus } from '../domain/execution.ts';
import type { TaskStatus } from '../domain/task.ts';
import { toNumber } from './json.ts';
import type { Database } from './schema.ts';

export interface ExecutionChange {
  id: string;
  taskId: string;
  status: ExecutionStatus;
  /** Set once an executor claimed the run: it went through `running`. */
  executorId: string | null;
  /** The workflow run it is a step of (issue 19): a run's view refreshes on its steps' changes. */
  workflowRunId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface TaskChange {
  id: string;
  name: string;
  status: TaskStatus;
  createdAt: number;
  updatedAt: number;
}

export interface ExecutorChange {
  id: string;
  name: string;
  status: string;
  healthy: boolean;
  updatedAt: number;
}

export class ChangeRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Executions with updated_at > `after`, oldest change first. */
  async executions(after: number, limit: number): Promise<ExecutionChange[]> {
    const rows = await this.#db
      .selectFrom('executions')
      .select(['id', 'task_id', 'status', 'executor_id', 'workflow_run_id', 'created_at', 'updated_at'])
      .where('updated_at', '>', after)
      .orderBy('updated_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      taskId: row.task_id,
      status: row.status as ExecutionStatus,
      executorId: row.executor_id,
      workflowRunId: row.workflow_run_id ?? null,
      createdAt: toNumber(row.created_at),
      updatedAt: toNumber(row.updated_at),
    }));
  }

  /** Tasks with updated_at > `after` (all tasks with after = -1), deleted ones included. */
  async tasks(after: number): Promise<TaskChange[]> {
    const rows = await this.#db.selectFrom('tasks').select(['id', 'name', 'status', 'created_at', 'updated_at']).where('updated_at', '>', after).orderBy('updated_at').execute();
    return rows.map((row) => ({ id: row.id, name: row.name, status: row.status as TaskStatus, createdAt: toNumber(row.created_at), updatedAt: toNumber(row.updated_at) }));
  }

  /** Every executor: the fleet is small, and heartbeats bump updated_at all the time anyway. */
  async executors(): Promise<ExecutorChange[]> {
    const rows = await this.#db.selectFrom('executors').select(['id', 'name', 'status', 'is_healthy', 'updated_at']).execute();
    return rows.map((row) => ({ id: row.id, name: row.name, status: row.status, healthy: toNumber(row.is_healthy) === 1, updatedAt: toNumber(row.updated_at) }));
  }
}
