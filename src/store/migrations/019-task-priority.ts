// Task priority (issue 19): when executors lack capacity, pending executions of tasks
// with a higher priority are dispatched first (store/executions.ts dispatchable); equal
// priorities keep the fire order. Every stored task gets the default, 0.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('tasks')
    .addColumn('priority', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
}
