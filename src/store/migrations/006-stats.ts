// Statistics and the live event stream. The stats endpoints read executions by time
// window; the event stream reads "what changed since" cursors. Covering indexes keep
// both index-only, so a million executions answer in milliseconds without a rollup
// table (bench/stats-queries.ts measures it).
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, _types: ColumnTypes): Promise<void> {
  // Dashboard timeline (bucket × status) and top failing tasks, all tasks in a window.
  await db.schema.createIndex('executions_time_status').on('executions').columns(['scheduled_time', 'status', 'task_id']).execute();
  // One task's window: counts, durations (end - start) and trend without touching rows.
  await db.schema.createIndex('executions_task_time_outcome').on('executions').columns(['task_id', 'scheduled_time', 'status', 'start_time', 'end_time']).execute();
  // The event stream's change cursor (every status change bumps updated_at).
  await db.schema.createIndex('executions_updated').on('executions').columns(['updated_at']).execute();
  await db.schema.createIndex('tasks_updated').on('tasks').columns(['updated_at']).execute();
}
