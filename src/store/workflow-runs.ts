// Workflow runs (issue 19). A run is inserted once per natural key — (workflow_id,
// fire_time) for a schedule fire or backfill, source_execution_id for a chain — and its
// steps' progress is its executions (store/executions.ts, keyed by (run, step, attempt)).
// Its end is one guarded UPDATE (running → success|failed), so racing advancers end it once.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { RunPlan } from '../domain/workflow.ts';
import type { WorkflowRunStatus, WorkflowRunTrigger } from '../protocol/enums.ts';
import type { DialectInfo } from './dialect.ts';
import { fromJson, toJson, toNullableNumber, toNumber } from './json.ts';
import type { LeaseRepository } from './leases.ts';
import type { Database, WorkflowRunsTable } from './schema.ts';

export interface WorkflowRun {
  id: string;
  workflowId: string | null;
  trigger: WorkflowRunTrigger;
  scheduledTime: number;
  fireTime: number | null;
  sourceExecutionId: string | null;
  parameters: Record<string, unknown>;
  plan: RunPlan;
  status: WorkflowRunStatus;
  createdAt: number;
  endTime: number | null;
}

/** The leader lease a write is fenced by (as store.ts Fence). */
interface Fence {
  lease: string;
  holder: string;
  token: number;
}

export type NewWorkflowRun = Omit<WorkflowRun, 'createdAt' | 'endTime'>;

/** One workflow's due fires and its advanced cursor, written together (as FireBatchEntry for tasks). */
export interface WorkflowFireEntry {
  workflowId: string;
  expectedNextFireAt: number;
  nextFireAt: number | null;
  lastFireAt: number | null;
  runs: NewWorkflowRun[];
}

type Db = Kysely<Database> | Transaction<Database>;

export class WorkflowRunRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: DialectInfo;
  readonly #leases: LeaseRepository;

  constructor(db: Kysely<Database>, dialect: DialectInfo, leases: LeaseRepository) {
    this.#db = db;
    this.#dialect = dialect;
    this.#leases = leases;
  }

  /** Inserts runs, dropping any whose natural key is taken; returns the ids inserted. */
  async insert(runs: NewWorkflowRun[], now: number, db: Db = this.#db): Promise<Set<string>> {
    if (runs.length === 0) return new Set();
    for (let start = 0; start < runs.length; start += 200) {
      const query = db.insertInto('workflow_runs').values(runs.slice(start, start + 200).map((run) => newRow(run, now)));
      await this.#dialect.ignoreConflicts(query as never).execute();
    }
    const inserted = new Set<string>();
    const ids = runs.map((run) => run.id);
    for (let start = 0; start < ids.length; start += 500) {
      const rows = await db
        .selectFrom('workflow_runs')
        .select('id')
        .where('id', 'in', ids.slice(start, start + 500))
        .execute();
      for (const row of rows) inserted.add(row.id);
    }
    return inserted;
  }

  /**
   * Records due workflow fires, fenced by the leader lease; each cursor moves by
   * compare-and-set, and the unique (workflow_id, fire_time) drops a fire recorded before.
   */
  async recordFires(fence: Fence, entries: WorkflowFireEntry[], now: number): Promise<Set<string>> {
    return this.#db.transaction().execute(async (trx) => {
      if (!(await this.#leases.holds(trx, fence.lease, fence.holder, fence.token))) return new Set<string>();
      const runs: NewWorkflowRun[] = [];
      for (const entry of entries) {
        const moved = await trx
          .updateTable('workflows')
          .set({ next_fire_at: entry.nextFireAt, last_fire_at: entry.lastFireAt, updated_at: now })
          .where('id', '=', entry.workflowId)
          .where('status', '=', 'active')
          .where('next_fire_at', '=', entry.expectedNextFireAt)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) === 1) runs.push(...entry.runs);
      }
      return this.insert(runs, now, trx);
    });
  }

  async get(id: string): Promise<WorkflowRun | null> {
    const row = await this.#db.selectFrom('workflow_runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToRun(row) : null;
  }

  async bySourceExecution(executionId: string): Promise<WorkflowRun | null> {
    const row = await this.#db.selectFrom('workflow_runs').selectAll().where('source_execution_id', '=', executionId).executeTakeFirst();
    return row ? rowToRun(row) : null;
  }

  /** A workflow's runs, newest first. */
  async list(workflowId: string, page: number, pageSize: number): Promise<{ items: WorkflowRun[]; total: number }> {
    const base = this.#db.selectFrom('workflow_runs').where('workflow_id', '=', workflowId);
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .orderBy('id', 'desc')
        .limit(pageSize)
        .offset((page - 1) * pageSize)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirst(),
    ]);
    return { items: rows.map(rowToRun), total: toNumber(count?.total ?? 0) };
  }

  /** The newest run of each of these workflows that has one (run ids grow with time). */
  async latest(workflowIds: readonly string[]): Promise<Map<string, WorkflowRun>> {
    if (workflowIds.length === 0) return new Map();
    const rows = await this.#db
      .selectFrom('workflow_runs')
      .selectAll()
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('workflow_runs')
          .select((inner) => inner.fn.max('id').as('id'))
          .where('workflow_id', 'in', [...workflowIds])
          .groupBy('workflow_id'),
      )
      .execute();
    return new Map(rows.map((row) => [row.workflow_id!, rowToRun(row)]));
  }

  /** Ids of runs still running, oldest first (the sweep advances them). */
  async running(limit: number): Promise<string[]> {
    const rows = await this.#db.selectFrom('workflow_runs').select('id').where('status', '=', 'running').orderBy('id').limit(limit).execute();
    return rows.map((row) => row.id);
  }

  /** For each of these instants already in the workflow's ledger, its run. */
  async fires(workflowId: string, instants: readonly number[]): Promise<Map<number, string>> {
    const found = new Map<number, string>();
    for (let start = 0; start < instants.length; start += 500) {
      const rows = await this.#db
        .selectFrom('workflow_runs')
        .select(['id', 'fire_time'])
        .where('workflow_id', '=', workflowId)
        .where('fire_time', 'in', instants.slice(start, start + 500))
        .execute();
      for (const row of rows) found.set(toNumber(row.fire_time), row.id);
    }
    return found;
  }

  /** running → its outcome; false when it had ended already. */
  async finish(id: string, status: 'success' | 'failed', now: number): Promise<boolean> {
    const result = await this.#db.updateTable('workflow_runs').set({ status, end_time: now, updated_at: now }).where('id', '=', id).where('status', '=', 'running').executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

function newRow(run: NewWorkflowRun, now: number): WorkflowRunsTable {
  return {
    id: run.id,
    workflow_id: run.workflowId,
    trigger: run.trigger,
    scheduled_time: run.scheduledTime,
    fire_time: run.fireTime,
    source_execution_id: run.sourceExecutionId,
    parameters: toJson(run.parameters),
    definition: toJson(run.plan),
    status: run.status,
    created_at: now,
    updated_at: now,
    end_time: run.status === 'running' ? null : now,
  };
}

function rowToRun(row: Selectable<WorkflowRunsTable>): WorkflowRun {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    trigger: row.trigger as WorkflowRunTrigger,
    scheduledTime: toNumber(row.scheduled_time),
    fireTime: toNullableNumber(row.fire_time),
    sourceExecutionId: row.source_execution_id,
    parameters: fromJson(row.parameters, {}),
    plan: fromJson(row.definition, { steps: [], onFailure: 'stop' }),
    status: row.status as WorkflowRunStatus,
    createdAt: toNumber(row.created_at),
    endTime: toNullableNumber(row.end_time),
  };
}
