// Nonces of signed HTTP-executor callbacks, kept so a captured callback cannot be sent
// again (protocol/request-signing.ts). In the database, not in memory: a replay may go
// to another instance of the cluster. A nonce is kept until its timestamp could no longer
// be accepted by any instance, then purged.
import type { Kysely } from 'kysely';
import type { DialectInfo } from './dialect.ts';
import type { Database } from './schema.ts';

interface CallbackNoncesTable {
  executor_id: string;
  /** Lower-cased: MySQL's default collation would otherwise make "aB" and "Ab" one key there only. */
  nonce: string;
  expires_at: number;
}

type WithNonces = Database & { callback_nonces: CallbackNoncesTable };

export class CallbackNonceRepository {
  readonly #db: Kysely<WithNonces>;
  readonly #dialect: DialectInfo;

  constructor(db: Kysely<Database>, dialect: DialectInfo) {
    this.#db = db.withTables<{ callback_nonces: CallbackNoncesTable }>();
    this.#dialect = dialect;
  }

  /**
   * Records a nonce of an executor; true when it was new, false when it was seen before
   * (a replay). One insert keyed on (executor_id, nonce): of two instances receiving the
   * same request at once, exactly one gets true.
   */
  async remember(executorId: string, nonce: string, expiresAt: number): Promise<boolean> {
    const insert = this.#db.insertInto('callback_nonces').values({ executor_id: executorId, nonce: nonce.toLowerCase(), expires_at: expiresAt });
    const result = await (this.#dialect.ignoreConflicts(insert as never) as unknown as typeof insert).executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Deletes the nonces that expired before `now`; returns how many. */
  async purgeExpired(now: number): Promise<number> {
    const result = await this.#db.deleteFrom('callback_nonces').where('expires_at', '<', now).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
