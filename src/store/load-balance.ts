// Routing state that must survive a leader change: round-robin cursors and sticky
// bindings (seed 001 §2.2.3: "all strategy state is persisted").
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export class LoadBalanceStateRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async load(keys: string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows = await this.#db.selectFrom('load_balance_state').select(['state_key', 'value']).where('state_key', 'in', keys).execute();
    return new Map(rows.map((row) => [row.state_key, row.value]));
  }

  /** Writes several keys at once (delete + insert: the same on every dialect). */
  async save(entries: Map<string, string>, now: number): Promise<void> {
    if (entries.size === 0) return;
    const keys = [...entries.keys()];
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('load_balance_state').where('state_key', 'in', keys).execute();
      await trx
        .insertInto('load_balance_state')
        .values([...entries].map(([state_key, value]) => ({ state_key, value, updated_at: now })))
        .execute();
    });
  }
}
