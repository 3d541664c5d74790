// Secrets at rest: a settings table (it holds the cluster's secret-key fingerprint) and
// each HTTP executor's callback secret, sealed, since HMAC verification needs the secret
// itself. The old SHA-256 hashes cannot be turned back into secrets: an HTTP executor
// registered before this migration must register again with rotate_secret.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  const { bigint, shortText } = types;
  await db.schema
    .createTable('settings')
    .addColumn('name', shortText, (c) => c.primaryKey())
    .addColumn('value', shortText, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.alterTable('executors').addColumn('callback_secret_sealed', shortText).execute();
}
