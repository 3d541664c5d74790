// Each task says which cron dialect its expression is written in (domain/schedule.ts):
// 'standard' (Unix weekdays) for every task stored before, which is how they were read.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  await db.schema
    .alterTable('tasks')
    .addColumn('cron_dialect', types.shortText, (column) => column.notNull().defaultTo('standard'))
    .execute();
}
