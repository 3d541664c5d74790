// Reads of the exactly-once fire ledger: which scheduled instants of a task already have
// their execution (UNIQUE (task_id, fire_time), migration 001). Backfill shows and skips
// them; its inserts still rely on the unique key, so two racing backfills add each once.
import type { Kysely } from 'kysely';
import { toNumber } from './json.ts';
import type { Database } from './schema.ts';

export class FireLedgerRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** For each of these instants already in the task's ledger, the execution recorded for it. */
  async taskFires(taskId: string, instants: readonly number[]): Promise<Map<number, string>> {
    const found = new Map<number, string>();
    for (let start = 0; start < instants.length; start += 500) {
      const rows = await this.#db
        .selectFrom('executions')
        .select(['id', 'fire_time'])
        .where('task_id', '=', taskId)
        .where('fire_time', 'in', instants.slice(start, start + 500))
        .execute();
      for (const row of rows) found.set(toNumber(row.fire_time), row.id);
    }
    return found;
  }
}
