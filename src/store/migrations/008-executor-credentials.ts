// Executor identity bound to its credential: the executor token that first said hello
// for an instance_id owns it; a hello for that identity with any other token is refused
// (dispatch/gateway.ts). Rows enrolled before this migration are bound at their next
// hello. The built-in executor of `cronfleet up` is bound to an in-process marker that
// no token id can equal.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  await db.schema.alterTable('executors').addColumn('executor_token_id', types.shortText).execute();
}
