// The initial schema: DESIGN §4. Append-only: never edit a migration that has shipped.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  const { id, bigint, longText, shortText } = types;
  await db.schema
    .createTable('tasks')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', shortText, (c) => c.notNull())
    // The name while the task is not deleted, NULL after: names are unique among live
    // tasks, and a deleted task's name can be used again.
    .addColumn('live_name', shortText, (c) => c.unique())
    .addColumn('description', longText, (c) => c.notNull())
    .addColumn('tags', longText, (c) => c.notNull())
    .addColumn('cron_expression', shortText)
    .addColumn('timezone', shortText, (c) => c.notNull())
    .addColumn('type', shortText, (c) => c.notNull())
    .addColumn('spec', longText, (c) => c.notNull())
    .addColumn('parameters', longText, (c) => c.notNull())
    .addColumn('execution_mode', shortText, (c) => c.notNull())
    .addColumn('load_balance_strategy', shortText, (c) => c.notNull())
    .addColumn('executor_labels', longText, (c) => c.notNull())
    .addColumn('max_retry', 'integer', (c) => c.notNull())
    .addColumn('retry_backoff_seconds', 'integer', (c) => c.notNull())
    .addColumn('retry_backoff_max_seconds', 'integer', (c) => c.notNull())
    .addColumn('timeout_seconds', 'integer', (c) => c.notNull())
    .addColumn('misfire_policy', shortText, (c) => c.notNull())
    .addColumn('misfire_grace_seconds', 'integer', (c) => c.notNull())
    .addColumn('status', shortText, (c) => c.notNull())
    .addColumn('next_fire_at', bigint)
    .addColumn('last_fire_at', bigint)
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .addColumn('deleted_at', bigint)
    .execute();
  // The fire loop's hot path: the earliest due active task.
  await db.schema.createIndex('tasks_status_next_fire').on('tasks').columns(['status', 'next_fire_at']).execute();

  await db.schema
    .createTable('task_executors')
    .addColumn('task_id', id, (c) => c.notNull())
    .addColumn('executor_id', id, (c) => c.notNull())
    .addColumn('weight', 'integer', (c) => c.notNull())
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_executors_pk', ['task_id', 'executor_id'])
    .execute();

  await db.schema
    .createTable('executions')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('task_id', id, (c) => c.notNull())
    .addColumn('task_version', 'integer', (c) => c.notNull())
    .addColumn('trigger', shortText, (c) => c.notNull())
    .addColumn('scheduled_time', bigint, (c) => c.notNull())
    .addColumn('fire_time', bigint)
    .addColumn('parameters', longText, (c) => c.notNull())
    .addColumn('status', shortText, (c) => c.notNull())
    .addColumn('executor_id', id)
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('retry_of', id)
    .addColumn('run_at', bigint)
    .addColumn('start_time', bigint)
    .addColumn('end_time', bigint)
    .addColumn('deadline_at', bigint)
    .addColumn('exit_code', 'integer')
    .addColumn('result', longText)
    .addColumn('error', longText)
    .addColumn('reason', shortText)
    .addColumn('log_bytes', bigint, (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();
  // The exactly-once fire ledger: NULL fire_time (manual, retry) never conflicts.
  await db.schema.createIndex('executions_fire_ledger').on('executions').columns(['task_id', 'fire_time']).unique().execute();
  await db.schema.createIndex('executions_task_scheduled').on('executions').columns(['task_id', 'scheduled_time']).execute();
  await db.schema.createIndex('executions_status').on('executions').columns(['status', 'run_at']).execute();
  await db.schema.createIndex('executions_executor_status').on('executions').columns(['executor_id', 'status']).execute();
  await db.schema.createIndex('executions_task_status').on('executions').columns(['task_id', 'status']).execute();

  await db.schema
    .createTable('execution_logs')
    .addColumn('execution_id', id, (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('stream', shortText, (c) => c.notNull())
    .addColumn('chunk', longText, (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('execution_logs_pk', ['execution_id', 'seq'])
    .execute();

  await db.schema
    .createTable('executors')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', shortText, (c) => c.notNull())
    .addColumn('instance_id', shortText, (c) => c.notNull().unique())
    .addColumn('kind', shortText, (c) => c.notNull())
    .addColumn('base_url', longText)
    .addColumn('health_check_url', longText)
    .addColumn('labels', longText, (c) => c.notNull())
    .addColumn('capacity', 'integer', (c) => c.notNull())
    .addColumn('runners', longText, (c) => c.notNull())
    .addColumn('status', shortText, (c) => c.notNull())
    .addColumn('is_healthy', 'integer', (c) => c.notNull())
    .addColumn('last_heartbeat', bigint)
    .addColumn('last_health_check', bigint)
    .addColumn('health_check_failures', 'integer', (c) => c.notNull())
    .addColumn('connected_to', shortText)
    .addColumn('metadata', longText, (c) => c.notNull())
    .addColumn('version', shortText)
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('scheduler_instances')
    .addColumn('id', shortText, (c) => c.primaryKey())
    .addColumn('hostname', shortText, (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('version', shortText, (c) => c.notNull())
    .addColumn('address', longText)
    .addColumn('started_at', bigint, (c) => c.notNull())
    .addColumn('last_heartbeat', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('leases')
    .addColumn('name', shortText, (c) => c.primaryKey())
    .addColumn('holder', shortText, (c) => c.notNull())
    .addColumn('token', bigint, (c) => c.notNull())
    .addColumn('expires_at', bigint, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('load_balance_state')
    .addColumn('state_key', shortText, (c) => c.primaryKey())
    .addColumn('value', longText, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();
}
