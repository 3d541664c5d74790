// Scheduler instances: every server heartbeats here, so the cluster can be seen and a
// dead instance's executors can be told apart from live ones.
import type { Kysely } from 'kysely';
import { toNullableNumber, toNumber } from './json.ts';
import type { Database } from './schema.ts';

export interface SchedulerInstance {
  id: string;
  hostname: string;
  pid: number;
  version: string;
  address: string | null;
  startedAt: number;
  lastHeartbeat: number;
}

export class InstanceRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Records this instance as alive now (insert on first beat). */
  async beat(instance: Omit<SchedulerInstance, 'lastHeartbeat'>, now: number): Promise<void> {
    const updated = await this.#db.updateTable('scheduler_instances').set({ last_heartbeat: now, address: instance.address }).where('id', '=', instance.id).executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return;
    await this.#db
      .insertInto('scheduler_instances')
      .values({ id: instance.id, hostname: instance.hostname, pid: instance.pid, version: instance.version, address: instance.address, started_at: instance.startedAt, last_heartbeat: now })
      .execute();
  }

  async list(): Promise<SchedulerInstance[]> {
    const rows = await this.#db.selectFrom('scheduler_instances').selectAll().orderBy('started_at').execute();
    return rows.map((row) => ({
      id: row.id,
      hostname: row.hostname,
      pid: toNumber(row.pid),
      version: row.version,
      address: row.address,
      startedAt: toNumber(row.started_at),
      lastHeartbeat: toNullableNumber(row.last_heartbeat) ?? 0,
    }));
  }

  /** Instances whose heartbeat is newer than `since`. */
  async liveIds(since: number): Promise<Set<string>> {
    const rows = await this.#db.selectFrom('scheduler_instances').select('id').where('last_heartbeat', '>=', since).execute();
    return new Set(rows.map((row) => row.id));
  }

  async remove(id: string): Promise<void> {
    await this.#db.deleteFrom('scheduler_instances').where('id', '=', id).execute();
  }

  /** Forgets instances silent for longer than `before` (they restarted under a new id). */
  async prune(before: number): Promise<void> {
    await this.#db.deleteFrom('scheduler_instances').where('last_heartbeat', '<', before).execute();
  }
}
