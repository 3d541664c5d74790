// API tokens: a role each, hashed at rest, shown once, optional expiry, revocable.
import type { Kysely } from 'kysely';
import { hashSecret, newSecret } from './executor-tokens.ts';
import { toNullableNumber, toNumber } from './json.ts';
import type { ApiTokensTable, Database } from './schema.ts';

export const API_TOKEN_PREFIX = 'cft_';

export interface ApiToken {
  id: string;
  name: string;
  role: string;
  userId: string | null;
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface VerifiedApiToken {
  token: ApiToken;
  /** The owning user as it is now; null when the token has no owner or the user was deleted. */
  owner: { role: string; disabled: boolean } | null;
}

export class ApiTokenRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(token: Omit<ApiToken, 'revokedAt' | 'lastUsedAt'>): Promise<{ token: ApiToken; secret: string }> {
    const secret = newSecret(API_TOKEN_PREFIX);
    await this.#db
      .insertInto('api_tokens')
      .values({
        id: token.id,
        name: token.name,
        token_hash: hashSecret(secret),
        role: token.role,
        user_id: token.userId,
        created_by: token.createdBy,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    return { token: { ...token, revokedAt: null, lastUsedAt: null }, secret };
  }

  /**
   * The token a secret belongs to if it is valid now, read together with its owner's
   * current role and state (null when the token has no owner or the owner is gone), so
   * the caller can cap the token's role by them. Its last use is written at most once a minute.
   */
  async verify(secret: string, now: number): Promise<VerifiedApiToken | null> {
    const row = await this.#db
      .selectFrom('api_tokens')
      .leftJoin('users', 'users.id', 'api_tokens.user_id')
      .selectAll('api_tokens')
      .select(['users.id as owner_id', 'users.role as owner_role', 'users.disabled as owner_disabled'])
      .where('api_tokens.token_hash', '=', hashSecret(secret))
      .executeTakeFirst();
    if (!row || row.revoked_at !== null) return null;
    if (row.expires_at !== null && toNumber(row.expires_at) <= now) return null;
    if (row.last_used_at === null || now - toNumber(row.last_used_at) > 60_000) {
      await this.#db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.id).execute();
      row.last_used_at = now;
    }
    const owner = row.owner_id !== null && row.owner_role !== null ? { role: row.owner_role, disabled: Boolean(row.owner_disabled) } : null;
    return { token: rowToToken(row), owner };
  }

  async get(id: string): Promise<ApiToken | null> {
    const row = await this.#db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToToken(row) : null;
  }

  /** All tokens, or those of one user. */
  async list(userId?: string): Promise<ApiToken[]> {
    let query = this.#db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc');
    if (userId !== undefined) query = query.where('user_id', '=', userId);
    return (await query.execute()).map(rowToToken);
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const result = await this.#db.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** A deleted user's tokens stop working with them. */
  async revokeAllOf(userId: string, now: number): Promise<void> {
    await this.#db.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  }
}

function rowToToken(row: ApiTokensTable): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    userId: row.user_id,
    createdBy: row.created_by,
    createdAt: toNumber(row.created_at),
    expiresAt: toNullableNumber(row.expires_at),
    revokedAt: toNullableNumber(row.revoked_at),
    lastUsedAt: toNullableNumber(row.last_used_at),
  };
}
