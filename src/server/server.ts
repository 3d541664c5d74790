// The composition root: one scheduler instance built from its parts (store, gateway,
// dispatcher, delivery, scheduler, HTTP executors and the HTTP API) and wired together
// here, the only place that knows them all. `cronfleet up` adds a local executor on top;
// tests build it with a fake clock.
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { systemClock, type Clock } from '../domain/clock.ts';
import { newId } from '../domain/ids.ts';
import { TaskMemory } from '../domain/task-memory.ts';
import { Dispatcher } from '../dispatch/dispatcher.ts';
import { TypedEmitter } from '../dispatch/events.ts';
import { ExecutionFinisher } from '../dispatch/execution-finisher.ts';
import { ExecutorGateway } from '../dispatch/gateway.ts';
import { HttpExecutors } from '../dispatch/http-executors.ts';
import { InstanceHeartbeat } from '../scheduler/instance-heartbeat.ts';
import { LEADER_LEASE } from '../scheduler/leadership.ts';
import { Scheduler, type SchedulerEvents } from '../scheduler/scheduler.ts';
import { Delivery } from '../dispatch/delivery.ts';
import { Store } from '../store/store.ts';
import { loadSecretKey } from '../store/secret-cipher.ts';
import { ensureAdminToken } from '../api/admin-token.ts';
import { buildApp } from '../api/app.ts';
import type { ApiContext } from '../api/context.ts';
import { Metrics } from '../api/metrics.ts';
import { logEvents } from './event-log.ts';
import { ChannelService } from '../alerts/channel-service.ts';
import { Alerting } from '../alerts/alerting.ts';
import { generatePassword, hashPassword } from '../api/passwords.ts';
import { TaskService } from '../api/task-service.ts';
import { WorkflowService } from '../api/workflow-service.ts';
import { WorkflowAdvancer } from '../dispatch/workflow-advancer.ts';
import { WorkflowLoop } from '../scheduler/workflow-loop.ts';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../protocol/version.ts';
import { RetentionCleanup } from '../scheduler/retention-cleanup.ts';
import { Wakeups } from './wakeups.ts';
import { traceExecutions } from './execution-spans.ts';
import { logAlertAttempt } from './event-log.ts';
import { startTracing, type Tracing } from '../telemetry/tracing.ts';
import type { SpanSink } from '../domain/trace-context.ts';

export interface ServerOptions {
  clock?: Clock;
  logger?: Logger;
  /** Keep retrying (with backoff, logging each attempt) while the database does not answer. */
  retryDatabase?: boolean;
  /** Called once with the admin token when this start created it. */
  onAdminTokenCreated?: (token: string) => void;
  /** Called once with the first admin's one-time password when this start created the user. */
  onAdminUserCreated?: (user: { username: string; password: string }) => void;
}

export interface Server {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly scheduler: Scheduler;
  readonly dispatcher: Dispatcher;
  readonly gateway: ExecutorGateway;
  readonly httpExecutors: HttpExecutors;
  /** History retention's cleanup (runs on the leader; tests call runOnce). */
  readonly retention: RetentionCleanup;
  /** Alert evaluation and sending (runs on the leader). */
  readonly alerting: Alerting;
  /** Where spans go when OpenTelemetry tracing is on (config.tracing); `cronfleet up`'s local executor records its runs here. */
  readonly tracing: SpanSink | null;
  readonly events: TypedEmitter<SchedulerEvents>;
  readonly instanceId: string;
  readonly adminToken: string;
  readonly config: Config;
  /** Listens on config.host:config.port; returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function createServer(config: Config, options: ServerOptions = {}): Promise<Server> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? pino({ level: config.logLevel });
  const instanceId = config.instanceId ?? `${hostname()}-${process.pid}-${newId().slice(-6)}`;
  const { token: adminToken, created } = ensureAdminToken(config.dataDir, config.adminToken);
  if (created) options.onAdminTokenCreated?.(adminToken);
  // The key that seals secrets at rest: checked before the database is touched, then
  // against the cluster's recorded fingerprint (every instance must share it).
  const { cipher: secrets, created: secretKeyCreated } = loadSecretKey(config.secretKey, config.dataDir);
  if (secretKeyCreated) logger.info(`generated a secret key in ${config.dataDir}; a cluster needs the same secret_key (CRONFLEET_SECRET_KEY) on every instance`);
  const store = await Store.open(config.database, {
    secrets,
    poolMax: config.databasePoolMax,
    onBackgroundError: (error) => logger.warn({ err: error }, 'database connection error'),
    onLockRetry: (error, attempt, delayMs) => logger.warn({ err: error, attempt, delayMs }, 'database lock conflict (deadlock or lock wait); running the transaction again'),
    onNotice: (level, message) => logger[level](message),
    ...(options.retryDatabase ? { retry: (error: Error, attempt: number, delayMs: number) => logger.warn(`${error.message}; retry ${attempt} in ${Math.round(delayMs / 1000)} s`) } : {}),
  });
  // These two write on a first start; a database that fails them (an outage, a full
  // disk) fails the start, which must leave nothing open (the CLI starts again).
  try {
    await createFirstAdmin(store, clock, options.onAdminUserCreated);
    await store.assertClusterKey(secrets, clock.now());
  } catch (error) {
    await store.close();
    throw error;
  }
  const events = new TypedEmitter<SchedulerEvents>();
  // The gateway wakes the dispatcher, which is built after it: connected below.
  const wakeups = new Wakeups(store.signals);
  const heartbeatIntervalMs = config.heartbeatIntervalSeconds * 1000;
  const leaseRenewMs = config.leaseRenewSeconds * 1000;
  // An instance silent this long is gone: it holds no executor links any more.
  const instanceTimeoutMs = 3 * leaseRenewMs + 2000;
  // The one door to a terminal state, shared by every component that reports an end.
  const recentTasks = new TaskMemory(clock);
  const finisher = new ExecutionFinisher({ store, clock, events, secrets, wake: wakeups.workAdded, recent: recentTasks });
  const gateway = new ExecutorGateway({ store, clock, events, wake: wakeups.workAdded, redeliver: wakeups.redeliver, finisher, secrets }, { instanceId, heartbeatIntervalMs, instanceTimeoutMs });
  const dispatcher = new Dispatcher(store, clock, gateway, events, { pollMs: 1000, deadlineGraceMs: 30_000, batchSize: 500, instanceTimeoutMs }, finisher, recentTasks);
  const delivery = new Delivery(store, clock, gateway, events, { pollMs: store.signals.pushes ? 1000 : 200 });
  const scheduler = new Scheduler(
    store,
    clock,
    gateway,
    dispatcher,
    events,
    {
      instanceId,
      leaseTtlMs: config.leaseTtlSeconds * 1000,
      leaseRenewMs,
      sweepIntervalMs: Math.min(5000, heartbeatIntervalMs),
      heartbeatIntervalMs,
      fireLoop: { maxSleepMs: 1000, batchSize: 500, runAllCap: 100, maxDuePerTask: 10_000 },
    },
    finisher,
  );
  wakeups.connect({ dispatcher, scheduler, delivery });
  // The URL HTTP executors call back on: configured, else this instance's listen address
  // (a wildcard host is replaced by the host name, which other machines can resolve).
  const scheme = config.tlsCert ? 'https' : 'http';
  let listenedPort: number = config.port;
  let listened = false;
  const publicUrl = () => {
    if (config.publicUrl !== null) return config.publicUrl;
    const host = config.host === '0.0.0.0' || config.host === '::' ? hostname() : config.host.includes(':') ? `[${config.host}]` : config.host;
    return `${scheme}://${host}:${listenedPort}`;
  };
  const onError = (error: unknown) => events.emit('error', { error });
  const httpExecutors = new HttpExecutors({ store, clock, events, wake: wakeups.workAdded, finisher }, gateway, {
    publicUrl,
    pushTimeoutMs: 10_000,
    health: {
      intervalMs: config.healthCheckIntervalSeconds * 1000,
      timeoutMs: config.healthCheckTimeoutSeconds * 1000,
      failureThreshold: config.healthCheckFailureThreshold,
      recoveryThreshold: config.healthCheckRecoveryThreshold,
    },
    onError,
    secrets,
  });
  // Health checks run on the leader only; links are attached on every instance.
  events.on('leader.elected', () => httpExecutors.startHealthChecks());
  events.on('leader.deposed', () => void httpExecutors.stopHealthChecks());
  // History retention, on the leader only (scheduler/retention-cleanup.ts).
  const retention = new RetentionCleanup(
    store,
    clock,
    {
      executionDays: config.retention.executionDays,
      logDays: config.retention.logDays,
      auditDays: config.retention.auditDays,
      executorDays: config.retention.executorDays,
      intervalMs: config.retention.cleanupIntervalSeconds * 1000,
      batchSize: 500,
      pauseMs: 50,
    },
    onError,
    (report) => {
      if (Object.values(report).some((count) => count > 0)) logger.info({ retention: report }, 'history retention: cleanup done');
    },
  );
  events.on('leader.elected', () => retention.start());
  events.on('leader.deposed', () => void retention.stop());
  const metrics = new Metrics(
    {
      live: async () => ({
        leader: scheduler.isLeader,
        executions: await store.executions.countByStatus(),
        executorsConnected: gateway.connectedIds().length,
        executorStatuses: (await store.executors.list()).map((executor) => executor.status),
      }),
      lastSuccesses: () => store.tasks.lastSuccesses(),
    },
    { taskLabels: config.metricsTaskLabels, now: () => clock.now() },
  );
  events.on('fired', ({ tasks }) => {
    for (const task of tasks) {
      metrics.fires.inc({ outcome: 'pending' }, task.pending.length);
      metrics.fires.inc({ outcome: 'skipped' }, task.skipped.length);
      for (const lateness of task.latenessMs) metrics.fireLateness.observe(lateness / 1000);
    }
  });
  events.on('execution.finished', (finished) => metrics.executionFinished(finished));
  events.on('execution.started', (started) => metrics.executionStarted(started));
  events.on('error', ({ error }) => logger.error({ err: error }, 'scheduler error'));
  logEvents(events, logger, instanceId);
  const channels = new ChannelService({ store, clock, secrets, sendTimeoutMs: 10_000 });
  // Alerts, on the leader only (alerts/alerting.ts).
  const alerting = new Alerting(
    store,
    clock,
    secrets,
    {
      publicUrl: config.publicUrl,
      sendTimeoutMs: 10_000,
      onAttempt: (attempt) => {
        metrics.alerts.inc({ event: attempt.event, channel: attempt.channel, outcome: attempt.outcome });
        logAlertAttempt(logger, attempt);
      },
      leaderLease: {
        ttlMs: config.leaseTtlSeconds * 1000,
        read: async () => {
          const [lease, now] = await Promise.all([store.leases.current(LEADER_LEASE), store.now()]);
          return { lease, valid: lease !== null && lease.expiresAt > now };
        },
      },
    },
    onError,
  );
  events.on('leader.elected', () => alerting.start());
  events.on('leader.deposed', () => void alerting.stop());
  const tasks = new TaskService({
    store,
    clock,
    secrets,
    scheduleChanged: (taskId) => {
      recentTasks.forget(taskId);
      events.emit('task.changed', {});
      wakeups.scheduleChanged();
    },
    taskRead: (task) => recentTasks.remember([task]),
    workAdded: wakeups.workAdded,
  });
  // Workflows (issue 19): runs move on when a step's execution ends, on whichever instance
  // heard it; the leader's loop fires workflow schedules and sweeps runs left mid-way.
  const advancer = new WorkflowAdvancer({ store, clock, wake: wakeups.workAdded });
  events.on('execution.finished', (finished) => void advancer.onFinished(finished).catch(onError));
  const workflowLoop = new WorkflowLoop(
    store,
    clock,
    advancer,
    { maxSleepMs: 1000, sweepIntervalMs: 2000, batchSize: 100 },
    { fence: () => (scheduler.leadership.token === null ? null : { lease: LEADER_LEASE, holder: instanceId, token: scheduler.leadership.token }), onError },
  );
  events.on('leader.elected', () => workflowLoop.start());
  events.on('leader.deposed', () => void workflowLoop.stop().catch(onError));
  const workflows = new WorkflowService({ store, clock, secrets, advancer, scheduleChanged: () => workflowLoop.wake() });
  const instanceHeartbeat = new InstanceHeartbeat(store, { instanceId, version: VERSION, intervalMs: leaseRenewMs, address: () => (listened ? publicUrl() : null), onError });
  const context: ApiContext = {
    store,
    clock,
    tasks,
    workflows,
    channels,
    alerting,
    scheduler,
    dispatcher,
    gateway,
    httpExecutors,
    events,
    metrics,
    instanceId,
    adminToken,
    metricsPublic: config.metricsPublic,
    role: config.role,
    retention: config.retention,
    version: VERSION,
    tls: config.tlsCert && config.tlsKey ? { cert: config.tlsCert, key: config.tlsKey } : null,
    security: {
      sessionTtlMs: config.sessionTtlMinutes * 60_000,
      loginRateLimitPerMinute: config.loginRateLimitPerMinute,
      rateLimitPerMinute: config.rateLimitPerMinute,
      corsOrigins: config.corsOrigins,
      bodyLimitBytes: config.bodyLimitBytes,
    },
  };
  const app = await buildApp(context, logger);
  let tracing: Tracing | null = null;
  try {
    await httpExecutors.attachAll();
    // OpenTelemetry, when OTEL_* variables configure an exporter: the SDK is loaded only then.
    tracing = config.tracing ? await startTracing(config.tracing, VERSION) : null;
  } catch (error) {
    await app.close();
    await httpExecutors.close();
    await gateway.close();
    await store.close();
    throw error;
  }
  const executionSpans = tracing ? traceExecutions(events, store, clock, tracing, onError) : null;
  if (config.tracing) logger.info({ exporters: config.tracing.exporters, endpoint: config.tracing.otlpUrl, service: config.tracing.serviceName }, 'tracing on: one trace per execution');
  await instanceHeartbeat.start();
  // An api instance never takes the leader lease: it neither fires nor dispatches.
  if (config.role !== 'api') await scheduler.start();
  delivery.start();
  alerting.watchLeader();
  let closed = false;
  return {
    app,
    store,
    scheduler,
    dispatcher,
    gateway,
    httpExecutors,
    retention,
    alerting,
    tracing,
    events,
    instanceId,
    adminToken,
    config,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      listenedPort = port;
      listened = true;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      return `${scheme}://${host}:${port}`;
    },
    async close() {
      if (closed) return;
      closed = true;
      await retention.stop();
      await alerting.close();
      await scheduler.stop();
      await workflowLoop.stop();
      await delivery.stop();
      await instanceHeartbeat.stop();
      await app.close();
      await httpExecutors.close();
      await gateway.close();
      await executionSpans?.stop();
      await store.close();
      await tracing?.shutdown();
    },
  };
}

/** No default password anywhere: an empty users table gets an `admin` with a random one, shown once. */
async function createFirstAdmin(store: Store, clock: Clock, onCreated: ServerOptions['onAdminUserCreated']): Promise<void> {
  if ((await store.users.count()) > 0) return;
  const password = generatePassword();
  const now = clock.now();
  // Two instances starting together: the unique user name lets one of them win.
  if (await store.users.create({ id: newId(now), username: 'admin', passwordHash: await hashPassword(password), role: 'admin' }, now)) {
    onCreated?.({ username: 'admin', password });
  }
}
