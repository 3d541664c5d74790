import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { text } from '../../protocol/messages/index.ts';
import { ProbeResponse, ref, SystemStatusResponse } from '../../protocol/rest-responses.ts';
import type { ApiContext } from '../context.ts';
import { executorToWire, iso } from '../dto.ts';
import { messageLocale } from '../errors.ts';
import { errorResponses } from '../openapi.ts';

const tags = ['system'];

const schemas = {
  health: { operationId: 'getHealth', tags, summary: 'Liveness', response: { 200: ref(ProbeResponse, { description: 'The process answers (status ok)' }) } },
  healthAlias: {
    operationId: 'getHealthAlias',
    tags,
    summary: 'Liveness, under the name seed 004 uses (the same answer as /healthz)',
    response: { 200: ref(ProbeResponse, { description: 'The process answers (status ok)' }) },
  },
  ready: {
    operationId: 'getReadiness',
    tags,
    summary: 'Readiness: the database answers and can take writes',
    response: {
      200: ref(ProbeResponse, { description: 'Ready (status ready)' }),
      ...errorResponses([503, 'Not ready: the database cannot be reached or cannot take writes (unavailable; details.reason says which)']),
    },
  },
  metrics: {
    operationId: 'getMetrics',
    tags,
    summary: 'Prometheus metrics',
    response: { 200: { description: 'The Prometheus text format', content: { 'text/plain': { schema: Type.String() } } } },
  },
  status: {
    operationId: 'getSystemStatus',
    tags,
    summary: 'Instances, leader, executors, running and pending counts',
    response: { 200: ref(SystemStatusResponse, { description: 'The cluster as this instance sees it' }) },
  },
};

/** Probes and metrics: outside /api. */
/** Why this instance is not ready, in the request's language (the store's own account, with the database's words, inside). */
function notReadyMessage(request: FastifyRequest, reason: string, english: string): string {
  return text('ready.notReady', { reason, english }).in(messageLocale(request));
}

export function probeRoutes({ store, scheduler, metrics, instanceId }: Pick<ApiContext, 'store' | 'scheduler' | 'metrics' | 'instanceId'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    const health = async () => ({ status: 'ok' as const, instance_id: instanceId, leader: scheduler.isLeader });
    app.get('/healthz', { schema: schemas.health }, health);
    app.get('/health', { schema: schemas.healthAlias }, health);

    // Ready means able to take writes: a full disk leaves reads working, so a read alone
    // would say ready while every write fails (see Store.readiness).
    app.get('/readyz', { schema: schemas.ready }, async (request, reply) => {
      const readiness = await store.readiness();
      if (readiness.ready) return { status: 'ready' as const, instance_id: instanceId, leader: scheduler.isLeader };
      reply.header('retry-after', '1');
      return reply.status(503).send({ error: { code: 'unavailable', message: notReadyMessage(request, readiness.reason, readiness.message), details: { reason: readiness.reason } } });
    });

    app.get('/metrics', { schema: schemas.metrics }, async (_request, reply) => {
      reply.type('text/plain; version=0.0.4');
      return metrics.render();
    });
  };
}

export function systemRoutes({ store, scheduler, instanceId, version, retention }: Pick<ApiContext, 'store' | 'scheduler' | 'instanceId' | 'version' | 'retention'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/system/status', { schema: schemas.status }, async () => {
      const [lease, counts, executors, load, instances, now, databaseBytes] = await Promise.all([
        store.leases.current('scheduler-leader'),
        store.executions.countByStatus(),
        store.executors.list(),
        store.executions.runningCountByExecutor(),
        store.instances.list(),
        store.leases.now(),
        store.sizeBytes(),
      ]);
      const leaderValid = lease !== null && lease.expiresAt > now;
      return {
        instance_id: instanceId,
        version,
        leader: leaderValid ? { instance_id: lease.holder, fencing_token: lease.token } : null,
        is_leader: scheduler.isLeader,
        instances: instances.map((instance) => ({
          id: instance.id,
          hostname: instance.hostname,
          pid: instance.pid,
          version: instance.version,
          address: instance.address,
          started_at: iso(instance.startedAt),
          last_heartbeat: iso(instance.lastHeartbeat),
          heartbeat_age_ms: Math.max(0, now - instance.lastHeartbeat),
          is_leader: leaderValid && lease.holder === instance.id,
        })),
        executors: {
          total: executors.length,
          online: executors.filter((executor) => executor.status === 'online').length,
          healthy: executors.filter((executor) => executor.status === 'online' && executor.isHealthy).length,
        },
        running: counts.running ?? 0,
        pending: counts.pending ?? 0,
        tasks: await store.tasks.countByStatus(),
        executor_list: executors.map((executor) => executorToWire(executor, load.get(executor.id) ?? 0, now)),
        retention: {
          execution_retention_days: retention.executionDays,
          log_retention_days: retention.logDays,
          audit_retention_days: retention.auditDays,
          executor_retention_days: retention.executorDays,
          cleanup_interval_seconds: retention.cleanupIntervalSeconds,
        },
        database: { size_bytes: databaseBytes },
      };
    });
  };
}
