// The Fastify app: errors, auth, OpenAPI, routes and the static web UI.
import { readFileSync } from 'node:fs';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { CronfleetError } from '../protocol/errors.ts';
import { installAuditTrail } from './audit-trail.ts';
import { installAuth } from './auth.ts';
import type { ApiContext } from './context.ts';
import { installErrorHandling } from './errors.ts';
import { frameworkErrors, refuseNulText } from './input-guard.ts';
import { registerOpenApi } from './openapi.ts';
import { registerExecutorSocket } from './executor-socket.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { executionRoutes } from './routes/executions.ts';
import { executorTokenRoutes } from './routes/executor-tokens.ts';
import { executionCallbackRoutes, executorRoutes } from './routes/executors.ts';
import { eventRoutes } from './routes/events.ts';
import { scheduleRoutes } from './routes/schedules.ts';
import { statsRoutes } from './routes/stats.ts';
import { probeRoutes, systemRoutes } from './routes/system.ts';
import { taskStopRoutes } from './routes/task-stop.ts';
import { taskRoutes } from './routes/tasks.ts';
import { backfillRoutes } from './routes/backfill.ts';
import { workflowRoutes } from './routes/workflows.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { userRoutes } from './routes/users.ts';
import { registerSecurityPlugins } from './security-plugins.ts';
import { registerWebUi } from './web-ui.ts';
import { lazySerializers } from './lazy-serializers.ts';
import { lazyValidators } from './lazy-validators.ts';
import { serveSchedulerRoleOnly } from './server-role.ts';
import { channelRoutes } from './routes/channels.ts';
import { alertRuleRoutes } from './routes/alert-rules.ts';

export async function buildApp(context: ApiContext, logger: Logger): Promise<FastifyInstance> {
  const { tls } = context;
  // Typed as Fastify's logger, so the app's type does not carry pino's.
  const loggerInstance: FastifyBaseLogger = logger;
  const serializers = lazySerializers();
  const validators = lazyValidators();
  const app = Fastify({
    ...(tls ? { https: { cert: readPem(tls.cert, 'tls_cert'), key: readPem(tls.key, 'tls_key') } } : {}),
    // Shutdown must not wait for idle keep-alive connections or abandoned log followers.
    forceCloseConnections: true,
    // One line per request (below), at debug: an operator's terminal is not an access log.
    logController: new LogController({ disableRequestLogging: true }),
    loggerInstance,
    bodyLimit: context.security.bodyLimitBytes,
    frameworkErrors,
    schemaController: { compilersFactory: { buildSerializer: serializers.buildSerializer } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  serializers.attach(app);
  // TypeBox validates the TypeBox schemas: query strings and path params (text) are
  // converted to the schema's types, JSON bodies are checked as sent — Ajv's coercion
  // would store "max_retry": "3" as 3 and "args": "x" as ["x"]. Compiled on first use.
  app.setValidatorCompiler(validators.compiler);
  validators.attach(app);
  installErrorHandling(app);
  refuseNulText(app);
  if (context.role === 'scheduler') serveSchedulerRoleOnly(app);
  app.addHook('onResponse', async (request, reply) => {
    const line = { method: request.method, url: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (reply.statusCode >= 500) request.log.error(line, 'request failed');
    else request.log.debug(line, 'request');
  });
  await registerSecurityPlugins(app, context);
  installAuth(app, { store: context.store, adminToken: context.adminToken, sessionTtlMs: context.security.sessionTtlMs, now: () => context.clock.now() });
  installAuditTrail(app, context);
  await registerOpenApi(app, { version: context.version, rateLimited: context.security.rateLimitPerMinute > 0 });
  await registerExecutorSocket(app, context.gateway);
  // Each route module gets the services it uses, never the whole context.
  const { store, clock, tasks, scheduler, dispatcher, httpExecutors, events, metrics, instanceId, version, security } = context;
  await app.register(probeRoutes({ store, scheduler, metrics, instanceId }));
  await app.register(
    async (api) => {
      await api.register(authRoutes({ store, clock, tls, security }));
      await api.register(userRoutes({ store, clock }));
      await api.register(tokenRoutes({ store, clock }));
      await api.register(auditRoutes({ store }));
      await api.register(taskRoutes({ store, clock, tasks }));
      await api.register(taskStopRoutes({ store, dispatcher }));
      await api.register(backfillRoutes({ tasks }));
      await api.register(workflowRoutes({ store, workflows: context.workflows }));
      await api.register(executionRoutes({ store, dispatcher, events, tasks }));
      await api.register(scheduleRoutes({ clock }));
      await api.register(systemRoutes({ store, scheduler, instanceId, version, retention: context.retention }));
      await api.register(executorTokenRoutes({ store }));
      await api.register(channelRoutes({ channels: context.channels }));
      await api.register(alertRuleRoutes({ store, clock, alerting: context.alerting }));
      await api.register(executorRoutes({ store, clock, dispatcher, gateway: context.gateway, httpExecutors }));
      await api.register(executionCallbackRoutes({ store, httpExecutors }));
      await api.register(statsRoutes({ store, clock, tasks }));
      await api.register(eventRoutes({ store, clock, events, instanceId }));
    },
    { prefix: '/api/v1' },
  );
  await registerWebUi(app);
  return app;
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CronfleetError('invalid_config', `invalid config ${key}: cannot read ${path}: ${(error as Error).message}`, { key });
  }
}
