// Executor fleet: enrollment tokens, per-executor callback secrets, broadcast shards.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  const { id, bigint, shortText } = types;
  await db.schema
    .createTable('executor_tokens')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', shortText, (c) => c.notNull())
    .addColumn('token_hash', shortText, (c) => c.notNull().unique())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('expires_at', bigint)
    .addColumn('revoked_at', bigint)
    .addColumn('last_used_at', bigint)
    .execute();
  // HTTP executors authenticate their callbacks with a secret of their own (hash kept here).
  await db.schema.alterTable('executors').addColumn('secret_hash', shortText).execute();
  await db.schema.alterTable('executions').addColumn('shard_index', 'integer').execute();
  await db.schema.alterTable('executions').addColumn('shard_total', 'integer').execute();
  // Broadcast siblings point at the execution they were split from.
  await db.schema.alterTable('executions').addColumn('parent_id', id).execute();
}
