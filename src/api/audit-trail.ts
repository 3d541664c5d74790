// Every change made through the API lands in the audit log: who, what, when, and the
// resource's state before and after (as the API shows it, so secrets stay masked).
// Each changing route names its action here; a changing route missing from the table
// fails the server at start, like a route missing from access.ts.
import type { FastifyInstance } from 'fastify';
import { newId } from '../domain/ids.ts';
import type { ApiContext } from './context.ts';
import { executionsToWire, executorToWire, taskToWire } from './dto.ts';
import { channelToWire } from './routes/channels.ts';
import { workflowsToWire } from './workflow-dto.ts';
import { alertRuleToWire } from './routes/alert-rules.ts';
import { apiTokenToWire, userToWire } from './security-dto.ts';

type Resource = 'workflow' | 'task' | 'execution' | 'executor' | 'executor_token' | 'user' | 'api_token' | 'session' | 'channel' | 'alert_rule';

/**
 * What each state-changing route is logged as. `unchanged`: the route acts with its resource
 * (a run of a task, a test message of a channel) and leaves it as it was, so no state before
 * is read or kept (the entry's after is what the route made, e.g. the execution).
 */
const actions: Record<string, { action: string; resource: Resource; unchanged?: true }> = {
  'POST /api/v1/tasks': { action: 'task.create', resource: 'task' },
  'PUT /api/v1/tasks/:id': { action: 'task.update', resource: 'task' },
  'DELETE /api/v1/tasks/:id': { action: 'task.delete', resource: 'task' },
  'POST /api/v1/tasks/:id/restore': { action: 'task.restore', resource: 'task' },
  'POST /api/v1/tasks/:id/pause': { action: 'task.pause', resource: 'task' },
  'POST /api/v1/tasks/:id/resume': { action: 'task.resume', resource: 'task' },
  'POST /api/v1/tasks/:id/trigger': { action: 'task.trigger', resource: 'task', unchanged: true },
  'POST /api/v1/tasks/:id/stop': { action: 'task.stop', resource: 'task' },
  'POST /api/v1/tasks/:id/backfill': { action: 'task.backfill', resource: 'task', unchanged: true },
  'POST /api/v1/workflows': { action: 'workflow.create', resource: 'workflow' },
  'PUT /api/v1/workflows/:id': { action: 'workflow.update', resource: 'workflow' },
  'DELETE /api/v1/workflows/:id': { action: 'workflow.delete', resource: 'workflow' },
  'POST /api/v1/workflows/:id/trigger': { action: 'workflow.trigger', resource: 'workflow', unchanged: true },
  'POST /api/v1/workflows/:id/backfill': { action: 'workflow.backfill', resource: 'workflow', unchanged: true },
  'POST /api/v1/executions/:id/stop': { action: 'execution.stop', resource: 'execution' },
  'POST /api/v1/executions/:id/rerun': { action: 'execution.rerun', resource: 'execution', unchanged: true },
  'POST /api/v1/executors/register': { action: 'executor.register', resource: 'executor' },
  'PUT /api/v1/executors/:id/status': { action: 'executor.set_status', resource: 'executor' },
  'DELETE /api/v1/executors/:id': { action: 'executor.delete', resource: 'executor' },
  'POST /api/v1/executor-tokens': { action: 'executor_token.create', resource: 'executor_token' },
  'DELETE /api/v1/executor-tokens/:id': { action: 'executor_token.revoke', resource: 'executor_token' },
  'POST /api/v1/channels': { action: 'channel.create', resource: 'channel' },
  'PUT /api/v1/channels/:id': { action: 'channel.update', resource: 'channel' },
  'DELETE /api/v1/channels/:id': { action: 'channel.delete', resource: 'channel' },
  'POST /api/v1/channels/:id/test': { action: 'channel.test', resource: 'channel', unchanged: true },
  'POST /api/v1/alert-rules': { action: 'alert_rule.create', resource: 'alert_rule' },
  'PUT /api/v1/alert-rules/:id': { action: 'alert_rule.update', resource: 'alert_rule' },
  'DELETE /api/v1/alert-rules/:id': { action: 'alert_rule.delete', resource: 'alert_rule' },
  'POST /api/v1/users': { action: 'user.create', resource: 'user' },
  'PUT /api/v1/users/:id': { action: 'user.update', resource: 'user' },
  'DELETE /api/v1/users/:id': { action: 'user.delete', resource: 'user' },
  'POST /api/v1/tokens': { action: 'api_token.create', resource: 'api_token' },
  'DELETE /api/v1/tokens/:id': { action: 'api_token.revoke', resource: 'api_token' },
  'PUT /api/v1/auth/password': { action: 'user.change_password', resource: 'user' },
  'POST /api/v1/auth/login': { action: 'auth.login', resource: 'session' },
  'POST /api/v1/auth/logout': { action: 'auth.logout', resource: 'session' },
};

/** Changing routes that are not a person's change: an HTTP executor reporting a result, read-only previews. */
const notAudited = new Set(['POST /api/v1/executions/:id/callback', 'POST /api/v1/schedules/preview', 'POST /api/v1/tasks/:id/backfill/preview', 'POST /api/v1/workflows/:id/backfill/preview']);

/** Fields that hold a secret shown once: never copied into the log. */
const secretFields = new Set(['token', 'password', 'callback_secret', 'csrf_token']);

interface Pending {
  action: string;
  resource: Resource;
  before: unknown;
}

declare module 'fastify' {
  interface FastifyRequest {
    audit: Pending | null;
    /** Set by the login route: the name tried (normalised) and whether it worked (failures are logged too). */
    auditLogin: { username: string; ok: boolean } | null;
  }
}

export function installAuditTrail(app: FastifyInstance, context: ApiContext): void {
  app.decorateRequest('audit', null);
  app.decorateRequest('auditLogin', null);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/v1')) return;
    for (const method of [route.method].flat()) {
      if (['GET', 'HEAD', 'OPTIONS'].includes(method)) continue;
      const key = `${method} ${route.url}`;
      if (!actions[key] && !notAudited.has(key)) throw new Error(`route ${key} changes state but has no action in src/api/audit-trail.ts`);
    }
  });
  app.addHook('preHandler', async (request) => {
    const entry = actions[`${request.method} ${request.routeOptions.url}`];
    if (!entry) return;
    const id = (request.params as { id?: string } | undefined)?.id;
    request.audit = { ...entry, before: id && !entry.unchanged ? await loadState(context, entry.resource, id).catch(() => null) : null };
  });
  // Written before the response leaves, so a client that reads the log next sees it.
  app.addHook('onSend', async (request, reply, payload) => {
    const pending = request.audit;
    if (!pending) return payload;
    const login = request.auditLogin;
    if (reply.statusCode >= 400 && !(login && !login.ok)) return payload;
    let after: unknown = null;
    if (reply.statusCode < 400 && typeof payload === 'string' && payload.startsWith('{')) {
      try {
        after = withoutSecrets(JSON.parse(payload));
      } catch {
        // not JSON: nothing to keep
      }
    }
    const params = request.params as { id?: string } | undefined;
    const resourceId = params?.id ?? idOf(after) ?? (pending.resource === 'user' ? (request.principal?.userId ?? null) : null);
    const reason = (request.body as { reason?: unknown } | undefined)?.reason;
    try {
      await context.store.audit.record({
        id: newId(),
        at: context.clock.now(),
        actor: login ? `user:${login.username}` : (request.principal?.actor ?? 'anonymous'),
        action: login && !login.ok ? 'auth.login_failed' : pending.action,
        resourceType: pending.resource,
        resourceId,
        before: withoutSecrets(pending.before),
        after: typeof reason === 'string' && after && typeof after === 'object' ? { ...after, reason } : after,
        ip: request.ip,
      });
    } catch (error) {
      request.log.error({ err: error, action: pending.action }, 'could not write the audit log');
    }
    return payload;
  });
}

async function loadState(context: ApiContext, resource: Resource, id: string): Promise<unknown> {
  switch (resource) {
    case 'workflow': {
      const workflow = await context.store.workflows.get(id);
      return workflow ? (await workflowsToWire(context.store, [workflow]))[0] : null;
    }
    case 'task':
      return taskToWire(await context.tasks.get(id, { includeDeleted: true })); // a restore's before is the deleted task
    case 'execution': {
      const execution = await context.store.executions.get(id);
      return execution ? (await executionsToWire(context.store, [execution]))[0] : null;
    }
    case 'executor': {
      const executor = await context.store.executors.get(id);
      return executor ? executorToWire(executor, 0, context.clock.now()) : null;
    }
    case 'user': {
      const user = await context.store.users.get(id);
      return user ? userToWire(user) : null;
    }
    case 'api_token': {
      const token = await context.store.apiTokens.get(id);
      return token ? apiTokenToWire(token) : null;
    }
    case 'executor_token':
      return (await context.store.executorTokens.list()).find((token) => token.id === id) ?? null;
    case 'channel': {
      const channel = await context.store.alertChannels.get(id);
      return channel ? channelToWire(channel) : null;
    }
    case 'alert_rule': {
      const rule = await context.store.alerts.rule(id);
      return rule ? alertRuleToWire(rule) : null;
    }
    case 'session':
      return null;
  }
}

function idOf(value: unknown): string | null {
  const id = (value as { id?: unknown } | null)?.id ?? (value as { user?: { id?: unknown } } | null)?.user?.id;
  return typeof id === 'string' ? id : null;
}

function withoutSecrets(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value ?? null;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !secretFields.has(key)));
}
