// Executor repository: registration, heartbeats, status, health checks, removal.
import { CronfleetError } from '../protocol/errors.ts';
import { text } from '../protocol/messages/index.ts';
import { IN_PROCESS_INSTANCE_PREFIX } from '../protocol/enums.ts';
import { sql, type Kysely, type Selectable } from 'kysely';
import { fromJson, toJson, toNullableNumber, toNumber } from './json.ts';
import { deleteRemovalMarker, readRemovalMarker, writeRemovalMarker } from './load-balance.ts';
import type { Database, ExecutorsTable } from './schema.ts';

import type { ExecutorStatus } from '../protocol/enums.ts';

export type { ExecutorStatus };

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
  /**
   * What proved this hello: an executor token id, or the in-process marker of the
   * built-in executor. The first credential to register an instance_id owns it.
   */
  credential: string;
  /** A heartbeat at or after this wall time means another instance's connection is live. */
  liveSince: number;
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
   *
   * The identity belongs to the credential that first registered it: another credential
   * is refused (`forbidden`), and so is a hello while another instance holds a live
   * connection for it (`conflict`: connected_to set elsewhere and a heartbeat newer than
   * `liveSince`). Both conditions are also in the update's WHERE, so two hellos racing
   * on two instances cannot both win; the loser reads the row again and is refused.
   *
   * An instance_id whose executor was removed (`remove`) comes back in maintenance.
   */
  async upsertAgent(registration: AgentRegistration, now: number): Promise<Executor> {
    const fields = {
      name: registration.name,
      labels: toJson(registration.labels),
      capacity: registration.capacity,
      runners: toJson(registration.runners),
      version: registration.version,
      connected_to: registration.connectedTo,
      executor_token_id: registration.credential,
      last_heartbeat: Date.now(), // wall time: judged against wall time by the lost-executor sweep
      is_healthy: 1,
      updated_at: now,
    };
    for (let attempt = 0; ; attempt++) {
      const existing = await this.#db.selectFrom('executors').selectAll().where('instance_id', '=', registration.instanceId).executeTakeFirst();
      if (!existing) {
        const removed = await readRemovalMarker(this.#db, registration.instanceId);
        try {
          await this.#db
            .insertInto('executors')
            .values({
              id: registration.id,
              instance_id: registration.instanceId,
              kind: 'agent',
              base_url: null,
              health_check_url: null,
              status: removed ? 'maintenance' : 'online',
              last_health_check: null,
              health_check_failures: 0,
              metadata: toJson({}),
              secret_hash: null,
              callback_secret_sealed: null,
              created_at: now,
              ...fields,
            })
            .execute();
          if (removed) await deleteRemovalMarker(this.#db, registration.instanceId);
          return (await this.get(registration.id))!;
        } catch (error) {
          // Another hello inserted this instance_id first: judge its row like any other.
          if (attempt > 0) throw error;
          continue;
        }
      }
      refuseForeignClaim(existing, registration);
      const status = existing.status === 'maintenance' ? 'maintenance' : 'online';
      await this.#db
        .updateTable('executors')
        .set({ ...fields, status })
        .where('id', '=', existing.id)
        .where((eb) => eb.or([eb('executor_token_id', 'is', null), eb('executor_token_id', '=', registration.credential)]))
        .where((eb) => eb.or([eb('connected_to', 'is', null), eb('connected_to', '=', registration.connectedTo), eb('last_heartbeat', 'is', null), eb('last_heartbeat', '<', registration.liveSince)]))
        .execute();
      // Not the row count: MySQL counts only changed rows. What the row says now decides.
      const after = await this.#db.selectFrom('executors').selectAll().where('id', '=', existing.id).executeTakeFirst();
      if (after && after.executor_token_id === registration.credential && after.connected_to === registration.connectedTo) return rowToExecutor(after);
      if (after) refuseForeignClaim(after, registration);
      if (attempt >= 2) throw new CronfleetError('conflict', text('httpExecutor.changedWhileRegistering', { instanceId: registration.instanceId }), { instance_id: registration.instanceId });
    }
  }

  /**
   * Registers an HTTP executor by its instance_id: registering again updates it in
   * place (same id). A manual maintenance status survives, and so does the health
   * record unless health_check_url changed: a new endpoint starts a new record (never
   * checked; without a URL, healthy, as nothing will check it). An instance_id whose
   * executor was removed (`remove`) comes back in maintenance. `created` is false for an update.
   */
  async upsertHttp(registration: HttpRegistration, now: number): Promise<{ executor: Executor; created: boolean }> {
    const existing = await this.#db.selectFrom('executors').select(['id', 'status', 'kind', 'health_check_url']).where('instance_id', '=', registration.instanceId).executeTakeFirst();
    if (existing && existing.kind !== 'http') {
      throw new CronfleetError('conflict', text('httpExecutor.agentInstanceStored', { instanceId: registration.instanceId }), { instance_id: registration.instanceId });
    }
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
      const newEndpoint = existing.health_check_url === registration.healthCheckUrl ? {} : { last_health_check: null, health_check_failures: 0, ...(registration.healthCheckUrl === null ? { is_healthy: 1 } : {}) };
      await this.#db
        .updateTable('executors')
        .set({ ...fields, ...newEndpoint, status })
        .where('id', '=', existing.id)
        .execute();
      return { executor: (await this.get(existing.id))!, created: false };
    }
    const removed = await readRemovalMarker(this.#db, registration.instanceId);
    await this.#db
      .insertInto('executors')
      .values({
        id: registration.id,
        instance_id: registration.instanceId,
        kind: 'http',
        status: removed ? 'maintenance' : 'online',
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
    if (removed) await deleteRemovalMarker(this.#db, registration.instanceId);
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

  /** This instance is shutting down: none of its connections hold an executor any more. */
  async disconnectedAll(instanceId: string, now: number): Promise<void> {
    await this.#db.updateTable('executors').set({ connected_to: null, updated_at: now }).where('connected_to', '=', instanceId).execute();
  }

  /**
   * A heartbeat received by the instance holding the executor's connection: stamps it,
   * records that instance as the holder again (a write lost in a database outage is
   * made good), and brings an executor the lost-executor sweep set offline back online.
   * An admin's `maintenance` is never changed. False when the executor no longer exists
   * (removed while connected to this instance): its link should end.
   */
  async heartbeat(id: string, instanceId: string, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('executors')
      .set({
        last_heartbeat: Date.now(), // wall time: judged against wall time by the lost-executor sweep
        connected_to: instanceId,
        status: sql<string>`case when status = 'offline' then 'online' else status end`,
        updated_at: now,
      })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return true;
    // Zero may also mean "matched but unchanged" where a driver counts changed rows only.
    return (await this.#db.selectFrom('executors').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  /**
   * Removes an executor that is offline or in maintenance and runs nothing, in one
   * statement that checks both, so an executor coming online or given work meanwhile is
   * never removed. In the same transaction its callback nonces go, and a removal marker
   * (store/load-balance.ts) makes its instance_id come back in maintenance if its agent
   * reconnects or its service registers again: removal never silently turns into "online
   * with a new id". Its executions keep its id as history. Refused with `not_found`, or
   * `invalid_state` for the built-in executor of `cronfleet up` (it reattaches at every
   * start), an online executor, or one with running executions.
   */
  async remove(id: string, now: number): Promise<Executor> {
    const executor = await this.get(id);
    if (!executor) throw new CronfleetError('not_found', text('notFound.executor', { id }), { id });
    if (executor.instanceId.startsWith(IN_PROCESS_INSTANCE_PREFIX)) {
      throw new CronfleetError('invalid_state', text('executor.builtIn', { name: executor.name, instanceId: executor.instanceId }), { id, instance_id: executor.instanceId, reason: 'built_in_executor' });
    }
    const removed = await this.#db.transaction().execute(async (trx) => {
      const result = await trx
        .deleteFrom('executors')
        .where('id', '=', id)
        .where('status', 'in', ['offline', 'maintenance'])
        .where((eb) => eb.not(eb.exists(eb.selectFrom('executions').select('executions.id').where('executions.executor_id', '=', id).where('executions.status', '=', 'running'))))
        .executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) return false;
      await trx.withTables<{ callback_nonces: { executor_id: string } }>().deleteFrom('callback_nonces').where('executor_id', '=', id).execute();
      await writeRemovalMarker(trx, { instanceId: executor.instanceId, executorId: id, name: executor.name, removedAt: now }, now);
      return true;
    });
    if (removed) return executor;
    // Refused: say why, from what the rows say now.
    const current = await this.get(id);
    if (!current) throw new CronfleetError('not_found', text('notFound.executor', { id }), { id });
    if (current.status === 'online') {
      throw new CronfleetError('invalid_state', text('executor.removeOnline', { name: current.name, id }), {
        id,
        status: current.status,
        reason: 'online',
      });
    }
    const running = await this.#db
      .selectFrom('executions')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('executor_id', '=', id)
      .where('status', '=', 'running')
      .executeTakeFirst();
    const count = toNumber(running?.count ?? 0);
    if (count > 0) {
      throw new CronfleetError('invalid_state', text('executor.removeBusy', { name: current.name, count }), {
        id,
        status: current.status,
        running: count,
        reason: 'running_executions',
      });
    }
    throw new CronfleetError('conflict', text('executor.changedWhileRemoving', { name: current.name }), { id, status: current.status });
  }

  /** The executor token an agent is bound to (null: not bound yet, or not an agent). */
  async credentialOf(id: string): Promise<string | null> {
    const row = await this.#db.selectFrom('executors').select('executor_token_id').where('id', '=', id).executeTakeFirst();
    return row?.executor_token_id ?? null;
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
    const rows = await this.#db.selectFrom('executors').selectAll().where('kind', '=', 'agent').where('status', '!=', 'offline').where('last_heartbeat', '<', before).execute();
    return rows.map(rowToExecutor);
  }
}

/** Throws when `row` (an executor for this instance_id) may not be claimed by this registration. */
function refuseForeignClaim(row: Selectable<ExecutorsTable>, registration: AgentRegistration): void {
  const details = { instance_id: registration.instanceId };
  if (row.kind !== 'agent') {
    throw new CronfleetError('conflict', `instance_id '${registration.instanceId}' belongs to an HTTP executor; give this agent another --instance-id`, details);
  }
  if (row.executor_token_id !== null && row.executor_token_id !== registration.credential) {
    throw new CronfleetError('forbidden', `executor '${registration.instanceId}' is enrolled with another credential; this token may not connect as it`, { ...details, reason: 'other_credential' });
  }
  const heartbeat = toNullableNumber(row.last_heartbeat);
  if (row.connected_to !== null && row.connected_to !== registration.connectedTo && heartbeat !== null && heartbeat >= registration.liveSince) {
    throw new CronfleetError('conflict', `executor '${registration.instanceId}' is connected to another server; a reconnect is accepted once that link is gone`, { ...details, reason: 'connected_elsewhere' });
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
