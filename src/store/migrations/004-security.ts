// People and credentials: users (scrypt password hashes), browser sessions, API tokens
// with a role, and the audit log of every change.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  const { id, bigint, shortText, longText } = types;
  await db.schema
    .createTable('users')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('username', shortText, (c) => c.notNull().unique())
    .addColumn('password_hash', shortText, (c) => c.notNull())
    .addColumn('role', shortText, (c) => c.notNull())
    .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .addColumn('last_login_at', bigint)
    .execute();
  // Only a hash of the session cookie is kept, so a database reader cannot sign in.
  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', shortText, (c) => c.primaryKey())
    .addColumn('user_id', id, (c) => c.notNull())
    .addColumn('csrf_token', shortText, (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('expires_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', shortText, (c) => c.notNull())
    .addColumn('token_hash', shortText, (c) => c.notNull().unique())
    .addColumn('role', shortText, (c) => c.notNull())
    .addColumn('user_id', id)
    .addColumn('created_by', shortText, (c) => c.notNull())
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('expires_at', bigint)
    .addColumn('revoked_at', bigint)
    .addColumn('last_used_at', bigint)
    .execute();
  await db.schema
    .createTable('audit_log')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('at', bigint, (c) => c.notNull())
    .addColumn('actor', shortText, (c) => c.notNull())
    .addColumn('action', shortText, (c) => c.notNull())
    .addColumn('resource_type', shortText, (c) => c.notNull())
    .addColumn('resource_id', shortText)
    .addColumn('before_state', longText)
    .addColumn('after_state', longText)
    .addColumn('ip', shortText)
    .execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
  await db.schema.createIndex('audit_log_resource').on('audit_log').columns(['resource_type', 'resource_id']).execute();
}
