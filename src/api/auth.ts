// Every request to /api (and /metrics unless configured public) is authenticated here
// and checked against the role its route needs (access.ts). Credentials, in order:
// a bearer token (the admin token, or an API token), else the UI's session cookie,
// which also needs the X-CSRF-Token header on anything that changes state.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CronfleetError } from '../protocol/errors.ts';
import { API_TOKEN_PREFIX } from '../store/api-tokens.ts';
import { EXECUTOR_TOKEN_PREFIX } from '../store/executor-tokens.ts';
import type { Store } from '../store/store.ts';
import { isRole, roleAtLeast, routeAccess, type Access, type Role } from './access.ts';
import { tokenMatches } from './admin-token.ts';

export const SESSION_COOKIE = 'cronfleet_session';
export const CSRF_HEADER = 'x-csrf-token';

/** Who is calling. `actor` is how the audit log names them. */
export interface Principal {
  kind: 'user' | 'api_token' | 'admin_token';
  /** User id for a session; token id for an API token; null for the admin token. */
  id: string | null;
  userId: string | null;
  name: string;
  role: Role;
  actor: string;
  /** Set for a session: the CSRF token the UI must echo. */
  csrfToken: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export interface AuthOptions {
  store: Store;
  adminToken: string;
  metricsPublic: boolean;
  sessionTtlMs: number;
  now: () => number;
}

const ADMIN_TOKEN_PRINCIPAL: Principal = { kind: 'admin_token', id: null, userId: null, name: 'admin-token', role: 'admin', actor: 'admin-token', csrfToken: null };

export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  app.decorateRequest('principal', null);
  // No route under /api may ship without a declared role.
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/v1')) return;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue;
      if (routeAccess(method, route.url) === null) throw new Error(`route ${method} ${route.url} has no entry in src/api/access.ts`);
    }
  });
  app.addHook('onRequest', async (request) => {
    const access = accessFor(request, options.metricsPublic);
    if (access === null || access === 'public' || access === 'callback') return;
    const principal = await authenticate(request, options);
    request.principal = principal;
    if (access === 'signed_in' || roleAtLeast(principal.role, access)) return;
    throw new CronfleetError('forbidden', `this needs the ${access} role; ${principal.actor} has the ${principal.role} role`, { required: access, role: principal.role });
  });
}

/** The access a request needs, or null when it needs none (the UI's files, probes). */
function accessFor(request: FastifyRequest, metricsPublic: boolean): Access | null {
  const path = request.url.split('?')[0] ?? '';
  if (path === '/metrics') return metricsPublic ? null : 'viewer';
  if (path !== '/api' && !path.startsWith('/api/')) return null;
  // CORS preflights carry no credentials and return no data.
  if (request.method === 'OPTIONS') return null;
  if (path.startsWith('/api/docs')) return 'viewer';
  const url = request.routeOptions.url;
  // No such route (or only the web UI's catch-all): say 404 only to someone signed in.
  if (url === undefined || !url.startsWith('/api/')) return 'signed_in';
  const method = request.method === 'HEAD' ? 'GET' : request.method;
  return routeAccess(method, url) ?? 'admin';
}

async function authenticate(request: FastifyRequest, options: AuthOptions): Promise<Principal> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new CronfleetError('unauthorized', 'malformed Authorization header: send "Authorization: Bearer <token>"');
    return bearerPrincipal(match[1]!, options);
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie) return sessionPrincipal(request, cookie, options);
  throw new CronfleetError('unauthorized', 'missing credentials: sign in, or send the header "Authorization: Bearer <token>"');
}

async function bearerPrincipal(secret: string, options: AuthOptions): Promise<Principal> {
  if (tokenMatches(secret, options.adminToken)) return ADMIN_TOKEN_PRINCIPAL;
  if (secret.startsWith(EXECUTOR_TOKEN_PREFIX)) {
    throw new CronfleetError('unauthorized', 'executor tokens only connect executors (/ws/executor); use an API token for the REST API');
  }
  if (secret.startsWith(API_TOKEN_PREFIX)) {
    const token = await options.store.apiTokens.verify(secret, options.now());
    if (token && isRole(token.role)) {
      return { kind: 'api_token', id: token.id, userId: token.userId, name: token.name, role: token.role, actor: `token:${token.name}`, csrfToken: null };
    }
  }
  throw new CronfleetError('unauthorized', 'invalid, expired or revoked token');
}

async function sessionPrincipal(request: FastifyRequest, cookie: string, options: AuthOptions): Promise<Principal> {
  const now = options.now();
  const session = await options.store.users.session(cookie, now, now + options.sessionTtlMs);
  if (!session || !isRole(session.user.role)) throw new CronfleetError('unauthorized', 'your session has ended: sign in again');
  if (!['GET', 'HEAD'].includes(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameText(sent, session.csrfToken)) {
      throw new CronfleetError('forbidden', `missing or wrong ${CSRF_HEADER} header: send the csrf_token from sign-in with every change`);
    }
  }
  const { user } = session;
  return { kind: 'user', id: user.id, userId: user.id, name: user.username, role: session.user.role as Role, actor: `user:${user.username}`, csrfToken: session.csrfToken };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The caller of a route that needs credentials (auth has run). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new CronfleetError('unauthorized', 'missing credentials');
  return request.principal;
}
