// Workflows (issue 19; store/workflows.ts, store/workflow-runs.ts).
// - workflows: a named DAG of steps (each a task) with its own schedule; the steps and the
//   failure policy are one JSON document. Names are unique among live workflows (live_name).
// - workflow_runs: one run of a workflow, with a snapshot of its steps. UNIQUE
//   (workflow_id, fire_time) is its fire ledger, as executions' is for tasks; UNIQUE
//   source_execution_id makes a task's on_success_trigger chain start once per success.
// - executions.workflow_run_id / workflow_step: the run and step an execution belongs to.
//   UNIQUE (workflow_run_id, workflow_step, attempt) makes starting (or skipping, or
//   cancelling) a step one insert that only one of several racing advancers can make.
// - tasks.on_success_trigger: the tasks a success of this one starts (a JSON list of ids).
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  const { id, shortText, longText, bigint } = types;
  await db.schema
    .createTable('workflows')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', shortText, (c) => c.notNull())
    .addColumn('live_name', shortText, (c) => c.unique())
    .addColumn('cron_expression', shortText)
    .addColumn('timezone', shortText, (c) => c.notNull())
    .addColumn('cron_dialect', shortText, (c) => c.notNull())
    .addColumn('misfire_policy', shortText, (c) => c.notNull())
    .addColumn('definition', longText, (c) => c.notNull())
    .addColumn('status', shortText, (c) => c.notNull())
    .addColumn('next_fire_at', bigint)
    .addColumn('last_fire_at', bigint)
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .addColumn('deleted_at', bigint)
    .execute();
  await db.schema.createIndex('workflows_due').on('workflows').columns(['status', 'next_fire_at']).execute();
  await db.schema
    .createTable('workflow_runs')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('workflow_id', id)
    .addColumn('trigger', shortText, (c) => c.notNull())
    .addColumn('scheduled_time', bigint, (c) => c.notNull())
    .addColumn('fire_time', bigint)
    .addColumn('source_execution_id', id, (c) => c.unique())
    .addColumn('parameters', longText, (c) => c.notNull())
    .addColumn('definition', longText, (c) => c.notNull())
    .addColumn('status', shortText, (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .addColumn('end_time', bigint)
    .execute();
  await db.schema.createIndex('workflow_runs_fire_ledger').on('workflow_runs').columns(['workflow_id', 'fire_time']).unique().execute();
  await db.schema.createIndex('workflow_runs_status').on('workflow_runs').columns(['status']).execute();
  await db.schema.createIndex('workflow_runs_by_workflow').on('workflow_runs').columns(['workflow_id', 'id']).execute();
  await db.schema.alterTable('executions').addColumn('workflow_run_id', id).execute();
  await db.schema.alterTable('executions').addColumn('workflow_step', shortText).execute();
  await db.schema.createIndex('executions_workflow_step').on('executions').columns(['workflow_run_id', 'workflow_step', 'attempt']).unique().execute();
  await db.schema.alterTable('tasks').addColumn('on_success_trigger', longText).execute();
}
