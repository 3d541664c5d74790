// Executor enrollment tokens: separate from API tokens, good only for the executor
// protocol. Only a SHA-256 hash is stored; the secret is shown once at creation.
// A token made by a user is good only while that user may make one (an enabled admin):
// a credential never outlives its maker's rights.
import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import { toNullableNumber, toNumber } from './json.ts';
import type { Database } from './schema.ts';

export interface ExecutorToken {
  id: string;
  name: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  /** The user who made it; null when made with the admin token. */
  createdBy: string | null;
}

export const EXECUTOR_TOKEN_PREFIX = 'cfx_';

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

export class ExecutorTokenRepository {
  readonly #db: Kysely<Database>;
  /** Told after a revoke through this process, so its live connections close at once. */
  readonly #revokeListeners = new Set<(id: string) => void>();

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(id: string, name: string, expiresAt: number | null, now: number, createdBy: string | null): Promise<{ token: ExecutorToken; secret: string }> {
    const secret = newSecret(EXECUTOR_TOKEN_PREFIX);
    await this.#db
      .insertInto('executor_tokens')
      .values({ id, name, token_hash: hashSecret(secret), created_at: now, expires_at: expiresAt, revoked_at: null, last_used_at: null, created_by: createdBy })
      .execute();
    return { token: { id, name, createdAt: now, expiresAt, revokedAt: null, lastUsedAt: null, createdBy }, secret };
  }

  /** The token a secret belongs to, if it is valid now; records its use. */
  async verify(secret: string, now: number): Promise<ExecutorToken | null> {
    const row = await withMaker(this.#db.selectFrom('executor_tokens').selectAll('executor_tokens').where('token_hash', '=', hashSecret(secret))).executeTakeFirst();
    if (!row || !usable(row, now)) return null;
    await this.#db.updateTable('executor_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
    return rowToToken({ ...row, last_used_at: now });
  }

  async list(): Promise<ExecutorToken[]> {
    const rows = await this.#db.selectFrom('executor_tokens').selectAll().orderBy('created_at', 'desc').execute();
    return rows.map(rowToToken);
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const result = await this.#db.updateTable('executor_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    const revoked = Number(result.numUpdatedRows) === 1;
    if (revoked) for (const listener of this.#revokeListeners) listener(id);
    return revoked;
  }

  /** Calls `listener` with each token id revoked through this process; returns the unsubscribe. */
  onRevoked(listener: (id: string) => void): () => void {
    this.#revokeListeners.add(listener);
    return () => this.#revokeListeners.delete(listener);
  }

  /**
   * Of these token ids, the ones that no longer authenticate: revoked, expired or gone.
   * Other instances' revocations reach a connection holder through this check.
   */
  async unusable(ids: string[], now: number): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await withMaker(
      this.#db.selectFrom('executor_tokens').select(['executor_tokens.id', 'executor_tokens.revoked_at', 'executor_tokens.expires_at', 'executor_tokens.created_by']).where('executor_tokens.id', 'in', ids),
    ).execute();
    const good = new Set(rows.filter((row) => usable(row, now)).map((row) => row.id));
    return ids.filter((id) => !good.has(id));
  }
}

type TokenQuery<O> = SelectQueryBuilder<Database, 'executor_tokens', O>;

/** Adds whether the token's maker may still make executor tokens (maker_ok: 1 or 0). */
function withMaker<O>(query: TokenQuery<O>) {
  return query.leftJoin('users', 'users.id', 'executor_tokens.created_by').select(sql<number>`case when users.id is not null and users.disabled = 0 and users.role = 'admin' then 1 else 0 end`.as('maker_ok'));
}

/** Not revoked, not expired, and made with the admin token or by a user who is still an enabled admin. */
function usable(row: { revoked_at: number | null; expires_at: number | null; created_by: string | null; maker_ok: number }, now: number): boolean {
  if (row.revoked_at !== null) return false;
  if (row.expires_at !== null && toNumber(row.expires_at) <= now) return false;
  return row.created_by === null || Number(row.maker_ok) === 1;
}

function rowToToken(row: { id: string; name: string; created_at: number; expires_at: number | null; revoked_at: number | null; last_used_at: number | null; created_by: string | null }): ExecutorToken {
  return {
    id: row.id,
    name: row.name,
    createdAt: toNumber(row.created_at),
    expiresAt: toNullableNumber(row.expires_at),
    revokedAt: toNullableNumber(row.revoked_at),
    lastUsedAt: toNullableNumber(row.last_used_at),
    createdBy: row.created_by,
  };
}
