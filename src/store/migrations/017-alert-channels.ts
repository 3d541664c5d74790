// Notification channels (issue 16; store/alert-channels.ts): where alerts are sent. The
// type's settings are one JSON document whose secret fields (webhook keys, signing
// secrets, SMTP passwords) are stored sealed, as task secrets are ({"$sealed": …}).
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  const { id, shortText, longText, bigint } = types;
  await db.schema
    .createTable('alert_channels')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', shortText, (c) => c.notNull())
    .addColumn('type', shortText, (c) => c.notNull())
    .addColumn('locale', shortText, (c) => c.notNull())
    .addColumn('config', longText, (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();
}
