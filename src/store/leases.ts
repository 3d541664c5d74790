// Leader lease with a fencing token. The token only grows: each change of holder
// increments it, so a deposed leader's writes (checked against the token) are refused.
import type { Kysely, Transaction } from 'kysely';
import type { DialectInfo } from './dialect.ts';
import { toNumber } from './json.ts';
import type { Database } from './schema.ts';

export interface LeaseGrant {
  holder: string;
  token: number;
  expiresAt: number;
}

export class LeaseRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: DialectInfo;

  constructor(db: Kysely<Database>, dialect: DialectInfo) {
    this.#db = db;
    this.#dialect = dialect;
  }

  /** The database's clock: lease expiry is never judged by comparing machines' clocks. */
  now(): Promise<number> {
    return this.#dialect.now(this.#db);
  }

  /**
   * Takes or renews the lease when it is free, expired or already ours. Returns the
   * grant we hold afterwards, or null when another holder's lease is still valid.
   */
  async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    const now = await this.now();
    return this.#db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
      const expiresAt = now + ttlMs;
      if (!current) {
        // Two instances may insert at once: the unique name lets one win; read who did.
        await this.#dialect.ignoreConflicts(trx.insertInto('leases').values({ name, holder, token: 1, expires_at: expiresAt }) as never).execute();
        const created = await trx.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
        return created?.holder === holder ? { holder, token: toNumber(created.token), expiresAt } : null;
      }
      const token = toNumber(current.token);
      const ours = current.holder === holder;
      if (!ours && toNumber(current.expires_at) > now) return null;
      const nextToken = ours ? token : token + 1;
      const updated = await trx.updateTable('leases').set({ holder, token: nextToken, expires_at: expiresAt }).where('name', '=', name).where('token', '=', token).where('holder', '=', current.holder).executeTakeFirst();
      return Number(updated.numUpdatedRows) === 1 ? { holder, token: nextToken, expiresAt } : null;
    });
  }

  async release(name: string, holder: string): Promise<void> {
    await this.#db.updateTable('leases').set({ expires_at: 0 }).where('name', '=', name).where('holder', '=', holder).execute();
  }

  async current(name: string): Promise<LeaseGrant | null> {
    const row = await this.#db.selectFrom('leases').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? { holder: row.holder, token: toNumber(row.token), expiresAt: toNumber(row.expires_at) } : null;
  }

  /** The lease while it is valid by the database's clock; null when free or expired. */
  async valid(name: string): Promise<LeaseGrant | null> {
    const [lease, now] = await Promise.all([this.current(name), this.now()]);
    return lease !== null && lease.expiresAt > now ? lease : null;
  }

  /** Inside a transaction: true while `token` is still the valid lease. */
  async holds(trx: Transaction<Database>, name: string, holder: string, token: number): Promise<boolean> {
    const now = await this.#dialect.now(trx);
    const row = await trx.selectFrom('leases').select('token').where('name', '=', name).where('holder', '=', holder).where('token', '=', token).where('expires_at', '>', now).executeTakeFirst();
    return row !== undefined;
  }
}
