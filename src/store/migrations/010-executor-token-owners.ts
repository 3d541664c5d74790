// Executor tokens name the user who made them (null: made with the admin token), so a
// token never outlives its maker's rights: it stops working when that user is disabled,
// deleted or no longer an admin (store/executor-tokens.ts). Tokens made before this
// migration have no maker recorded and keep working until revoked.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  await db.schema.alterTable('executor_tokens').addColumn('created_by', types.id).execute();
}
