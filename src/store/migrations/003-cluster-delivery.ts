// Cluster delivery: the leader routes, the instance holding the executor's socket
// delivers. delivered_at marks a run that reached its executor; stop_requested carries
// a stop or kill to whichever instance holds the socket.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  const { bigint, shortText } = types;
  await db.schema.alterTable('executions').addColumn('delivered_at', bigint).execute();
  await db.schema.alterTable('executions').addColumn('stop_requested', shortText).execute();
  await db.schema.alterTable('executions').addColumn('stop_delivered_at', bigint).execute();
}
