// An execution's error and waiting reason by key (issue 14, Chinese all the way): `error`
// and `reason` keep the English text every client and log has always read; `error_detail`
// and `reason_detail` hold the message each was worded from ({"key":…,"params":…},
// messages/index.ts) when the server or a cronfleet agent made it, so the API can word it
// in the language a request asks for. NULL for text made before, for reason codes (the
// console words those itself), and for free text an executor reported: those are answered
// as they were stored.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  await db.schema.alterTable('executions').addColumn('error_detail', types.longText).execute();
  await db.schema.alterTable('executions').addColumn('reason_detail', types.longText).execute();
}
