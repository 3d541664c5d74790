// Nonces of signed HTTP-executor callbacks (store/callback-nonces.ts): one row per
// accepted callback, keyed by (executor, nonce) so a replay collides on the key, and
// purged by expiry (indexed) once its timestamp is too old to be accepted anyway.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  const { id, bigint } = types;
  await db.schema
    .createTable('callback_nonces')
    .addColumn('executor_id', id, (c) => c.notNull())
    .addColumn('nonce', id, (c) => c.notNull())
    .addColumn('expires_at', bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('callback_nonces_pk', ['executor_id', 'nonce'])
    .execute();
  await db.schema.createIndex('callback_nonces_expiry').on('callback_nonces').column('expires_at').execute();
}
