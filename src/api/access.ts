// Who may call what: every route the server has — the REST API, the OpenAPI pages,
// probes, metrics, the executor socket, the web UI — names the least access it needs,
// here in one table keyed by the route the router matched ("METHOD /pattern"). The
// access is attached to each route's config as it is registered (attachRouteAccess)
// and auth.ts reads only that: never the URL text, which a client can spell in many
// ways that the router decodes to the same route. A route missing from the table
// stops the server at start, so no route can ship open by accident.
import type { FastifyInstance } from 'fastify';

import { roles, type Role } from '../protocol/enums.ts';

export { roles };
export type { Role };

/**
 * `public`: no credentials (probes, login, the web UI's files).
 * `callback`: the route checks an HTTP executor's own signature.
 * `executor_token`: the executor socket checks an executor token itself.
 * `signed_in`: any user or token, whatever its role.
 */
export type Access = Role | 'public' | 'callback' | 'executor_token' | 'signed_in';

export interface AccessOptions {
  /** config metrics_public: /metrics answers without credentials. */
  metricsPublic: boolean;
}

type Declaration = Access | ((options: AccessOptions) => Access);

const table: Record<string, Declaration> = {
  // Probes and metrics (outside /api).
  'GET /healthz': 'public',
  'GET /health': 'public', // seed 004's name for the same probe
  'GET /readyz': 'public',
  'GET /metrics': ({ metricsPublic }) => (metricsPublic ? 'public' : 'viewer'),
  // Agents dial in here; the socket refuses anything but a valid executor token.
  'GET /ws/executor': 'executor_token',
  // The web UI: static files and index.html only (web-ui.ts never serves it for /api or /ws).
  'GET /': 'public',
  'GET /*': 'public',
  // CORS preflights (only when cors_origins is set) carry no credentials and return no data.
  'OPTIONS *': 'public',
  // The OpenAPI document and its browser (@fastify/swagger-ui).
  'GET /api/docs': 'viewer',
  'GET /api/docs/': 'viewer',
  'GET /api/docs/static/index.html': 'viewer',
  'GET /api/docs/static/swagger-initializer.js': 'viewer',
  'GET /api/docs/static/*': 'viewer',
  'GET /api/docs/json': 'viewer',
  'GET /api/docs/yaml': 'viewer',
  // Sign-in and the caller's own account.
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/logout': 'signed_in',
  'GET /api/v1/auth/me': 'signed_in',
  'PUT /api/v1/auth/password': 'signed_in',
  // Tasks and executions: operators change them, viewers read them.
  'GET /api/v1/tasks': 'viewer',
  'POST /api/v1/tasks': 'operator',
  'GET /api/v1/tasks/:id': 'viewer',
  'PUT /api/v1/tasks/:id': 'operator',
  'DELETE /api/v1/tasks/:id': 'operator',
  'POST /api/v1/tasks/:id/restore': 'operator',
  'GET /api/v1/tasks/:id/history': 'viewer',
  'POST /api/v1/tasks/:id/pause': 'operator',
  'POST /api/v1/tasks/:id/resume': 'operator',
  'POST /api/v1/tasks/:id/trigger': 'operator',
  'POST /api/v1/tasks/:id/stop': 'operator',
  'GET /api/v1/tasks/:id/next-fires': 'viewer',
  'GET /api/v1/tasks/:id/stats': 'viewer',
  'POST /api/v1/tasks/:id/backfill': 'operator',
  'POST /api/v1/tasks/:id/backfill/preview': 'operator', // shown to whoever may backfill
  'POST /api/v1/schedules/preview': 'viewer',
  // Workflows: the same as tasks (operators change and run them, viewers read them).
  'GET /api/v1/workflows': 'viewer',
  'POST /api/v1/workflows': 'operator',
  'GET /api/v1/workflows/:id': 'viewer',
  'PUT /api/v1/workflows/:id': 'operator',
  'DELETE /api/v1/workflows/:id': 'operator',
  'POST /api/v1/workflows/:id/trigger': 'operator',
  'GET /api/v1/workflows/:id/runs': 'viewer',
  'POST /api/v1/workflows/:id/backfill': 'operator',
  'POST /api/v1/workflows/:id/backfill/preview': 'operator', // shown to whoever may backfill
  'GET /api/v1/workflow-runs/:id': 'viewer',
  'GET /api/v1/executions': 'viewer',
  'GET /api/v1/executions/:id': 'viewer',
  'GET /api/v1/executions/:id/logs': 'viewer',
  'POST /api/v1/executions/:id/stop': 'operator',
  'POST /api/v1/executions/:id/rerun': 'operator',
  'POST /api/v1/executions/:id/callback': 'callback',
  // The fleet and the system: admins change them, viewers read them.
  'GET /api/v1/executors': 'viewer',
  'GET /api/v1/executors/:id': 'viewer',
  'POST /api/v1/executors/register': 'admin',
  'PUT /api/v1/executors/:id/status': 'admin',
  'DELETE /api/v1/executors/:id': 'admin',
  'GET /api/v1/executor-tokens': 'admin',
  'POST /api/v1/executor-tokens': 'admin',
  'DELETE /api/v1/executor-tokens/:id': 'admin',
  'GET /api/v1/system/status': 'viewer',
  // Alerting: admins manage where alerts go.
  'GET /api/v1/channels': 'admin',
  'POST /api/v1/channels': 'admin',
  'GET /api/v1/channels/:id': 'admin',
  'PUT /api/v1/channels/:id': 'admin',
  'DELETE /api/v1/channels/:id': 'admin',
  'POST /api/v1/channels/:id/test': 'admin',
  'GET /api/v1/alert-rules': 'viewer',
  'GET /api/v1/alert-rules/:id': 'viewer',
  'POST /api/v1/alert-rules': 'admin',
  'PUT /api/v1/alert-rules/:id': 'admin',
  'DELETE /api/v1/alert-rules/:id': 'admin',
  'GET /api/v1/alerts': 'viewer',
  'GET /api/v1/stats/overview': 'viewer',
  'GET /api/v1/events': 'viewer',
  // People and credentials.
  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'PUT /api/v1/users/:id': 'admin',
  'DELETE /api/v1/users/:id': 'admin',
  'GET /api/v1/tokens': 'operator',
  'POST /api/v1/tokens': 'operator',
  'DELETE /api/v1/tokens/:id': 'operator',
  'GET /api/v1/audit': 'admin',
};

/** The access a route needs, or null when the table does not name it. HEAD is GET without a body. */
function routeAccess(method: string, url: string, options: AccessOptions): Access | null {
  const declaration = table[`${method === 'HEAD' ? 'GET' : method} ${url}`];
  if (declaration === undefined) return null;
  return typeof declaration === 'function' ? declaration(options) : declaration;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set for every route by attachRouteAccess; auth.ts decides on it alone. */
    access?: Access;
  }
}

/**
 * Puts each route's access into its config as the route is registered; a route with no
 * entry in the table stops the server. Install it before anything registers a route
 * (plugins such as CORS add their own), since a hook only sees routes added after it.
 */
export function attachRouteAccess(app: FastifyInstance, options: AccessOptions): void {
  const declared: DeclaredRoute[] = [];
  declaredByApp.set(app, declared);
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    const accesses = new Set(methods.map((method) => routeAccess(method, route.url, options)));
    if (accesses.has(null)) throw new Error(`route ${methods.join(',')} ${route.url} has no entry in src/api/access.ts`);
    // One config serves every method of a route: they must agree.
    if (accesses.size !== 1) throw new Error(`route ${methods.join(',')} ${route.url}: its methods need different accesses; register them apart`);
    const access = [...accesses][0]!;
    route.config = { ...route.config, access };
    for (const method of methods) declared.push({ method, url: route.url, access });
  });
}

export interface DeclaredRoute {
  method: string;
  /** The router's pattern, e.g. /api/v1/tasks/:id. */
  url: string;
  access: Access;
}

const declaredByApp = new WeakMap<FastifyInstance, DeclaredRoute[]>();

/** Every route registered on an app since attachRouteAccess, with its access (the spelling test walks them all). */
export function declaredRoutes(app: FastifyInstance): readonly DeclaredRoute[] {
  return declaredByApp.get(app) ?? [];
}

/** Access that needs no caller: the route itself checks what it needs, or nothing is at stake. */
export function needsCaller(access: Access): access is Role | 'signed_in' {
  return access !== 'public' && access !== 'callback' && access !== 'executor_token';
}

export function roleAtLeast(role: Role, needed: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(needed);
}

/** The lesser of two roles: a token never has more power than its owner has now. */
export function lesserRole(a: Role, b: Role): Role {
  return roleAtLeast(a, b) ? b : a;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}
