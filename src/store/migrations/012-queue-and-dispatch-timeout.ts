// Two task fields (issue 13): max_queued bounds the fires a `queue` task keeps waiting,
// and dispatch_timeout_seconds ends a pending execution no executor can take. Every
// stored task gets the defaults.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('tasks')
    .addColumn('max_queued', 'integer', (column) => column.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable('tasks')
    .addColumn('dispatch_timeout_seconds', 'integer', (column) => column.notNull().defaultTo(300))
    .execute();
}
