// History retention (issue 15). The leader's cleanup (store/retention.ts) deletes old
// executions, their logs and audit entries; these columns and the rollup table let it
// do so without losing what the console shows:
// - tasks.history_limit: keep at most this many finished executions of the task (null = no limit);
// - executions.log_expired: 1 once the cleanup deleted the execution's log chunks (the row
//   stays), so the console can say "log expired" rather than show an empty log;
// - execution_rollups: per task and UTC day (of scheduled_time), what the deleted
//   executions counted for the statistics. The cleanup folds each execution into its day
//   in the same transaction that deletes it, so a finished execution is always either a
//   live row or folded, never both and never neither.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  const { id, bigint, longText } = types;
  await db.schema.alterTable('tasks').addColumn('history_limit', 'integer').execute();
  await db.schema
    .alterTable('executions')
    .addColumn('log_expired', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('execution_rollups')
    .addColumn('task_id', id, (c) => c.notNull())
    .addColumn('day', bigint, (c) => c.notNull())
    .addColumn('success', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('failed', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('timeout', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('skipped', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('cancelled', bigint, (c) => c.notNull().defaultTo(0))
    // Outcomes (success, failed, timeout) with a start and an end, and the sum of end - start.
    .addColumn('timed_count', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('timed_sum_ms', bigint, (c) => c.notNull().defaultTo(0))
    // Those durations on a fixed log scale (store/duration-histogram.ts), as JSON {bucket: count}.
    .addColumn('duration_histogram', longText, (c) => c.notNull().defaultTo('{}'))
    .addColumn('last_failure_at', bigint)
    .addPrimaryKeyConstraint('execution_rollups_pk', ['task_id', 'day'])
    .execute();
  // The dashboard reads all tasks' days of a window.
  await db.schema.createIndex('execution_rollups_day').on('execution_rollups').columns(['day', 'task_id']).execute();
}
