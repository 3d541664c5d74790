// Routing state that must survive a leader change: round-robin cursors and sticky
// bindings (seed 001 §2.2.3: "all strategy state is persisted"), keyed `task:<task id>`
// (dispatch/routing-memory.ts owns that format).
//
// The table also keeps removal markers, keyed `removed-executor:<sha256 of instance_id>`:
// an executor removed over the API (DELETE /executors/{id}) whose agent reconnects, or
// whose HTTP service registers again, under the same instance_id comes back in
// `maintenance`, so it takes no work until an admin sets it online. The marker is taken
// when that registration is stored (store/executors.ts).
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface RemovalMarker {
  instanceId: string;
  /** The id the executor had: its executions keep it as history. */
  executorId: string;
  name: string;
  removedAt: number;
}

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

  /**
   * The entries whose key starts with `keyPrefix` and whose value contains `text`. The
   * match is by LIKE, where `_` and `%` in `text` match more than themselves: callers
   * check the values they get.
   */
  async containing(keyPrefix: string, text: string): Promise<Map<string, string>> {
    const rows = await this.#db.selectFrom('load_balance_state').select(['state_key', 'value']).where('state_key', 'like', `${keyPrefix}%`).where('value', 'like', `%${text}%`).execute();
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

/** Hashed: an instance_id may be as long as the key column. */
function removalKey(instanceId: string): string {
  return `removed-executor:${createHash('sha256').update(instanceId).digest('hex')}`;
}

/** Remembers a removed executor's instance_id (inside the removal's transaction). */
export async function writeRemovalMarker(db: Db, marker: RemovalMarker, now: number): Promise<void> {
  const key = removalKey(marker.instanceId);
  await db.deleteFrom('load_balance_state').where('state_key', '=', key).execute();
  await db
    .insertInto('load_balance_state')
    .values({ state_key: key, value: JSON.stringify(marker), updated_at: now })
    .execute();
}

/** The marker of a removed executor with this instance_id, or null. */
export async function readRemovalMarker(db: Db, instanceId: string): Promise<RemovalMarker | null> {
  const row = await db.selectFrom('load_balance_state').select('value').where('state_key', '=', removalKey(instanceId)).executeTakeFirst();
  if (!row) return null;
  try {
    const marker = JSON.parse(row.value) as RemovalMarker;
    // A hash collision is not a removal of this instance_id.
    return marker.instanceId === instanceId ? marker : null;
  } catch {
    return { instanceId, executorId: '', name: '', removedAt: 0 }; // damaged, but a removal all the same
  }
}

export async function deleteRemovalMarker(db: Db, instanceId: string): Promise<void> {
  await db.deleteFrom('load_balance_state').where('state_key', '=', removalKey(instanceId)).execute();
}
