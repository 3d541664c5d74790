// Executor repository: registration, heartbeats, status, health checks.
import { CronfleetError } from '../protocol/errors.ts';
import type { Kysely, Selectable } from 'kysely';
import { fromJson, toJson, toNullableNumber, toNumber } from './json.ts';
import type { Database, ExecutorsTable } from './schema.ts';

export type ExecutorStatus = 'online' | 'offline' | 'maintenance';

export interface Executor {
  id: string;
  name: string;
  instanceId: string;
  kind: 'agent' | 'http';
  baseUrl: string | null;
  healthCheckUrl: string | null;
  labels: Record<string, string>;
  capacity: number;
  runners: string[];
  status: ExecutorStatus;
  isHealthy: boolean;
  lastHeartbeat: number | null;
  lastHealthCheck: number | null;
  healthCheckFailures: number;
  connectedTo: string | null;
  metadata: Record<string, unknown>;
  version: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface AgentRegistration {
  id: string;
  name: string;
  instanceId: string;
  labels: Record<string, string>;
  capacity: number;
  runners: string[];
  version: string | null;
  connectedTo: string;
}

export interface HttpRegistration {
  id: string;
  name: string;
  instanceId: string;
  baseUrl: string;
  healthCheckUrl: string | null;
  labels: Record<string, string>;
  capacity: number;
  runners: string[];
  metadata: Record<string, unknown>;
  /** A new callback secret, sealed (secret-cipher.ts); null keeps the one stored. */
  sealedSecret: string | null;
}

export class ExecutorRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /**
   * Registers an agent by its stable instance_id: the same agent reconnecting keeps its
   * id (so its running executions can be reconciled). A manual maintenance status survives.
   */
  async upsertAgent(registration: AgentRegistration, now: number): Promise<Executor> {
    const existing = await this.#db.selectFrom('executors').selectAll().where('instance_id', '=', registration.instanceId).executeTakeFirst();
    const fields = {
      name: registration.name,
      labels: toJson(registration.labels),
      capacity: registration.capacity,
      runners: toJson(registration.runners),
      version: registration.version,
      connected_to: registration.connectedTo,
      last_heartbeat: Date.now(), // wall time: judged against wall time by the lost-executor sweep
      is_healthy: 1,
      updated_at: now,
    };
    if (existing && existing.kind !== 'agent') {
      throw new CronfleetError('conflict', `instance_id '${registration.instanceId}' belongs to an HTTP executor; give this agent another --instance-id`, { instance_id: registration.instanceId });
    }
    if (existing) {
      const status = existing.status === 'maintenance' ? 'maintenance' : 'online';
      await this.#db.updateTable('executors').set({ ...fields, status }).where('id', '=', existing.id).execute();
      return (await this.get(existing.id))!;
    }
    await this.#db
      .insertInto('executors')
      .values({
        id: registration.id,
        instance_id: registration.instanceId,
        kind: 'agent',
        base_url: null,
        health_check_url: null,
        status: 'online',
        last_health_check: null,
        health_check_failures: 0,
        metadata: toJson({}),
        secret_hash: null,
        callback_secret_sealed: null,
        created_at: now,
        ...fields,
      })
      .execute();
    return (await this.get(registration.id))!;
  }

  /**
   * Registers an HTTP executor by its instance_id: registering again updates it in
   * place (same id). A manual maintenance status and the health record survive.
   * `created` is false for an update.
   */
  async upsertHttp(registration: HttpRegistration, now: number): Promise<{ executor: Executor; created: boolean }> {
    const existing = await this.#db.selectFrom('executors').select(['id', 'status']).where('instance_id', '=', registration.instanceId).executeTakeFirst();
    const fields = {
      name: registration.name,
      base_url: registration.baseUrl,
      health_check_url: registration.healthCheckUrl,
      labels: toJson(registration.labels),
      capacity: registration.capacity,
      runners: toJson(registration.runners),
      metadata: toJson(registration.metadata),
      updated_at: now,
      // The SHA-256 hash of migration 002 is dropped: HMAC verification needs the secret itself.
      ...(registration.sealedSecret !== null ? { callback_secret_sealed: registration.sealedSecret, secret_hash: null } : {}),
    };
    if (existing) {
      const status = existing.status === 'maintenance' ? 'maintenance' : 'online';
      await this.#db.updateTable('executors').set({ ...fields, status }).where('id', '=', existing.id).execute();
      return { executor: (await this.get(existing.id))!, created: false };
    }
    await this.#db
      .insertInto('executors')
      .values({
        id: registration.id,
        instance_id: registration.instanceId,
        kind: 'http',
        status: 'online',
        is_healthy: 1,
        last_heartbeat: null,
        last_health_check: null,
        health_check_failures: 0,
        connected_to: null,
        version: null,
        secret_hash: null,
        callback_secret_sealed: registration.sealedSecret,
        created_at: now,
        ...fields,
      })
      .execute();
    return { executor: (await this.get(registration.id))!, created: true };
  }

  /** An HTTP executor's callback secret, sealed; null for an unknown id, an agent, or one registered before secrets were sealed. */
  async sealedCallbackSecret(id: string): Promise<string | null> {
    const row = await this.#db.selectFrom('executors').select('callback_secret_sealed').where('id', '=', id).where('kind', '=', 'http').executeTakeFirst();
    return row?.callback_secret_sealed ?? null;
  }

  async get(id: string): Promise<Executor | null> {
    const row = await this.#db.selectFrom('executors').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToExecutor(row) : null;
  }

  async getByInstanceId(instanceId: string): Promise<Executor | null> {
    const row = await this.#db.selectFrom('executors').selectAll().where('instance_id', '=', instanceId).executeTakeFirst();
    return row ? rowToExecutor(row) : null;
  }

  async list(): Promise<Executor[]> {
    const rows = await this.#db.selectFrom('executors').selectAll().orderBy('name').execute();
    return rows.map(rowToExecutor);
  }

  /** The executor's socket closed on this instance (unless it already moved elsewhere). */
  async disconnected(id: string, instanceId: string, now: number): Promise<void> {
    await this.#db.updateTable('executors').set({ connected_to: null, updated_at: now }).where('id', '=', id).where('connected_to', '=', instanceId).execute();
  }

  async heartbeat(id: string, now: number): Promise<void> {
    await this.#db.updateTable('executors').set({ last_heartbeat: Date.now(), updated_at: now }).where('id', '=', id).execute();
  }

  async setStatus(id: string, status: ExecutorStatus, now: number): Promise<void> {
    await this.#db.updateTable('executors').set({ status, updated_at: now }).where('id', '=', id).execute();
  }

  /** The outcome of one health check: consecutive failures so far and the resulting health. */
  async recordHealthCheck(id: string, check: { healthy: boolean; failures: number }, now: number): Promise<void> {
    await this.#db
      .updateTable('executors')
      .set({ is_healthy: check.healthy ? 1 : 0, health_check_failures: check.failures, last_health_check: now, updated_at: now })
      .where('id', '=', id)
      .execute();
  }

  /** Online agents whose last heartbeat is older than `before`. */
  async stale(before: number): Promise<Executor[]> {
    const rows = await this.#db
      .selectFrom('executors')
      .selectAll()
      .where('kind', '=', 'agent')
      .where('status', '!=', 'offline')
      .where('last_heartbeat', '<', before)
      .execute();
    return rows.map(rowToExecutor);
  }
}

function rowToExecutor(row: Selectable<ExecutorsTable>): Executor {
  return {
    id: row.id,
    name: row.name,
    instanceId: row.instance_id,
    kind: row.kind as Executor['kind'],
    baseUrl: row.base_url,
    healthCheckUrl: row.health_check_url,
    labels: fromJson(row.labels, {}),
    capacity: toNumber(row.capacity),
    runners: fromJson(row.runners, []),
    status: row.status as ExecutorStatus,
    isHealthy: Boolean(toNumber(row.is_healthy)),
    lastHeartbeat: toNullableNumber(row.last_heartbeat),
    lastHealthCheck: toNullableNumber(row.last_health_check),
    healthCheckFailures: toNumber(row.health_check_failures),
    connectedTo: row.connected_to,
    metadata: fromJson(row.metadata, {}),
    version: row.version,
    createdAt: toNumber(row.created_at),
    updatedAt: toNumber(row.updated_at),
  };
}
