// Workflow repository (issue 19): definitions, soft delete, and the fire cursor
// (next_fire_at / last_fire_at), as the task repository keeps them for tasks.
import type { Kysely, Selectable } from 'kysely';
import type { RunPlan } from '../domain/workflow.ts';
import type { CronDialect, MisfirePolicy } from '../protocol/enums.ts';
import { CronfleetError } from '../protocol/errors.ts';
import { text } from '../protocol/messages/index.ts';
import { fromJson, toJson, toNullableNumber, toNumber } from './json.ts';
import type { Database, WorkflowsTable } from './schema.ts';

export interface WorkflowDefinition {
  name: string;
  cronExpression: string | null;
  timezone: string;
  cronDialect: CronDialect;
  misfirePolicy: MisfirePolicy;
  plan: RunPlan;
}

export interface Workflow extends WorkflowDefinition {
  id: string;
  status: 'active' | 'deleted';
  nextFireAt: number | null;
  lastFireAt: number | null;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export class WorkflowRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(id: string, definition: WorkflowDefinition, nextFireAt: number | null, now: number): Promise<Workflow> {
    await this.#assertNameFree(definition.name, null);
    const row: WorkflowsTable = { id, ...columns(definition), status: 'active', next_fire_at: nextFireAt, last_fire_at: null, version: 1, created_at: now, updated_at: now, deleted_at: null };
    try {
      await this.#db.insertInto('workflows').values(row).execute();
    } catch (error) {
      await this.#assertNameFree(definition.name, null);
      throw error;
    }
    return rowToWorkflow(row);
  }

  async get(id: string): Promise<Workflow | null> {
    const row = await this.#db.selectFrom('workflows').selectAll().where('id', '=', id).where('status', '!=', 'deleted').executeTakeFirst();
    return row ? rowToWorkflow(row) : null;
  }

  /** Names of workflows by id, deleted ones too (run lists name their workflow). */
  async names(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#db
      .selectFrom('workflows')
      .select(['id', 'name'])
      .where('id', 'in', [...ids])
      .execute();
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  /** Live workflows by name; with `taskId`, only those with a step that runs that task. */
  async list(page: number, pageSize: number, taskId?: string): Promise<{ items: Workflow[]; total: number }> {
    const base = this.#db.selectFrom('workflows').where('status', '!=', 'deleted');
    if (taskId !== undefined) {
      // The steps are inside the stored definition (JSON), read the same on every database:
      // the live workflows are read whole and the page is cut here. Workflows are few (a
      // task is in a handful), and this is asked by a task's page, not by the fire path.
      const rows = await base.selectAll().orderBy('name').orderBy('id').execute();
      const having = rows.map(rowToWorkflow).filter((workflow) => workflow.plan.steps.some((step) => step.taskId === taskId));
      return { items: having.slice((page - 1) * pageSize, page * pageSize), total: having.length };
    }
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .orderBy('name')
        .orderBy('id')
        .limit(pageSize)
        .offset((page - 1) * pageSize)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirst(),
    ]);
    return { items: rows.map(rowToWorkflow), total: toNumber(count?.total ?? 0) };
  }

  /** Replaces the definition and the cursor; bumps version. Null when there is no such live workflow. */
  async update(id: string, definition: WorkflowDefinition, nextFireAt: number | null, now: number): Promise<Workflow | null> {
    await this.#assertNameFree(definition.name, id);
    await this.#db
      .updateTable('workflows')
      .set((eb) => ({ ...columns(definition), next_fire_at: nextFireAt, updated_at: now, version: eb('version', '+', 1) }))
      .where('id', '=', id)
      .where('status', '!=', 'deleted')
      .execute();
    return this.get(id);
  }

  /** Soft delete: the name is free again, nothing fires; its runs stay readable. */
  async remove(id: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('workflows')
      .set({ status: 'deleted', live_name: null, next_fire_at: null, deleted_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', '!=', 'deleted')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Live workflows whose next fire is due, earliest first. */
  async due(now: number, limit: number): Promise<Workflow[]> {
    const rows = await this.#db.selectFrom('workflows').selectAll().where('status', '=', 'active').where('next_fire_at', '<=', now).orderBy('next_fire_at').limit(limit).execute();
    return rows.map(rowToWorkflow);
  }

  async earliestFireAt(): Promise<number | null> {
    const row = await this.#db
      .selectFrom('workflows')
      .select((eb) => eb.fn.min<number>('next_fire_at').as('earliest'))
      .where('status', '=', 'active')
      .executeTakeFirst();
    return toNullableNumber(row?.earliest);
  }

  async #assertNameFree(name: string, exceptId: string | null): Promise<void> {
    let query = this.#db.selectFrom('workflows').select('id').where('live_name', '=', name);
    if (exceptId) query = query.where('id', '!=', exceptId);
    const clash = await query.executeTakeFirst();
    if (clash) throw new CronfleetError('name_taken', text('workflow.nameTaken', { name }), { field: 'name', value: name, workflow_id: clash.id });
  }
}

function columns(definition: WorkflowDefinition) {
  return {
    name: definition.name,
    live_name: definition.name,
    cron_expression: definition.cronExpression,
    timezone: definition.timezone,
    cron_dialect: definition.cronDialect,
    misfire_policy: definition.misfirePolicy,
    definition: toJson(definition.plan),
  };
}

function rowToWorkflow(row: Selectable<WorkflowsTable>): Workflow {
  return {
    id: row.id,
    name: row.name,
    cronExpression: row.cron_expression,
    timezone: row.timezone,
    cronDialect: row.cron_dialect === 'quartz' ? 'quartz' : 'standard',
    misfirePolicy: row.misfire_policy as MisfirePolicy,
    plan: fromJson(row.definition, { steps: [], onFailure: 'stop' }),
    status: row.status === 'deleted' ? 'deleted' : 'active',
    nextFireAt: toNullableNumber(row.next_fire_at),
    lastFireAt: toNullableNumber(row.last_fire_at),
    version: toNumber(row.version),
    createdAt: toNumber(row.created_at),
    updatedAt: toNumber(row.updated_at),
  };
}
