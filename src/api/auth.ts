// Every request is checked here against the access its route declares (access.ts),
// which the router matched: the decision never reads the URL text. Credentials, in
// order: a bearer token (the admin token, or an API token), else the UI's session
// cookie, which also needs the X-CSRF-Token header on anything that changes state.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CronfleetError } from '../protocol/errors.ts';
import { text } from '../protocol/messages/index.ts';
import { API_TOKEN_PREFIX } from '../store/api-tokens.ts';
import { EXECUTOR_TOKEN_PREFIX } from '../store/executor-tokens.ts';
import type { Store } from '../store/store.ts';
import { isRole, lesserRole, needsCaller, roleAtLeast, type Access, type Role } from './access.ts';
import { tokenMatches } from './admin-token.ts';

export const SESSION_COOKIE = 'cronfleet_session';
const CSRF_HEADER = 'x-csrf-token';

/** Who is calling. `actor` is how the audit log names them. */
export interface Principal {
  kind: 'user' | 'api_token' | 'admin_token';
  /** User id for a session; token id for an API token; null for the admin token. */
  id: string | null;
  userId: string | null;
  name: string;
  /** For an API token: the lesser of its own role and its owner's role now. */
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
  sessionTtlMs: number;
  now: () => number;
}

const ADMIN_TOKEN_PRINCIPAL: Principal = { kind: 'admin_token', id: null, userId: null, name: 'admin-token', role: 'admin', actor: 'admin-token', csrfToken: null };

export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    // No route matched: say 404 only to someone signed in (the 404 handler has no config).
    const access: Access | undefined = request.is404 ? 'signed_in' : request.routeOptions.config.access;
    if (access === undefined) {
      // attachRouteAccess gives every route one; a route without is refused, not let through.
      request.log.error({ route: request.routeOptions.url, method: request.method }, 'route has no declared access');
      throw new CronfleetError('forbidden', text('auth.noAccessDeclared'));
    }
    if (!needsCaller(access)) return;
    const principal = await authenticate(request, options);
    request.principal = principal;
    if (access === 'signed_in' || roleAtLeast(principal.role, access)) return;
    throw new CronfleetError('forbidden', text('auth.roleNeeded', { access, actor: principal.actor, role: principal.role }), { required: access, role: principal.role });
  });
  // A public route can hand a request to the 404 handler (the web UI does for paths
  // under /api and /ws); onRequest does not run again then, so the caller is checked here.
  app.addHook('preHandler', async (request) => {
    if (request.is404 && request.principal === null) request.principal = await authenticate(request, options);
  });
}

async function authenticate(request: FastifyRequest, options: AuthOptions): Promise<Principal> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new CronfleetError('unauthorized', text('auth.malformedHeader'));
    return bearerPrincipal(match[1]!, options);
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie) return sessionPrincipal(request, cookie, options);
  throw new CronfleetError('unauthorized', text('auth.missing'));
}

async function bearerPrincipal(secret: string, options: AuthOptions): Promise<Principal> {
  if (tokenMatches(secret, options.adminToken)) return ADMIN_TOKEN_PRINCIPAL;
  if (secret.startsWith(EXECUTOR_TOKEN_PREFIX)) {
    throw new CronfleetError('unauthorized', text('auth.executorToken'));
  }
  if (secret.startsWith(API_TOKEN_PREFIX)) {
    const found = await options.store.apiTokens.verify(secret, options.now());
    const role = found?.token.role;
    if (found && isRole(role)) {
      const { token, owner } = found;
      // A token has at most its owner's current role; a disabled or deleted owner's tokens
      // stop working. Tokens made with the admin token have no owner and keep their role.
      if (token.userId === null) return tokenPrincipal(token, role);
      if (owner !== null && !owner.disabled && isRole(owner.role)) return tokenPrincipal(token, lesserRole(role, owner.role));
    }
  }
  throw new CronfleetError('unauthorized', text('auth.badToken'));
}

function tokenPrincipal(token: { id: string; userId: string | null; name: string }, role: Role): Principal {
  return { kind: 'api_token', id: token.id, userId: token.userId, name: token.name, role, actor: `token:${token.name}`, csrfToken: null };
}

async function sessionPrincipal(request: FastifyRequest, cookie: string, options: AuthOptions): Promise<Principal> {
  const now = options.now();
  const session = await options.store.users.session(cookie, now, now + options.sessionTtlMs);
  if (!session || !isRole(session.user.role)) throw new CronfleetError('unauthorized', text('auth.sessionEnded'));
  if (!['GET', 'HEAD'].includes(request.method)) {
    const sent = request.headers[CSRF_HEADER];
    if (typeof sent !== 'string' || !sameText(sent, session.csrfToken)) {
      throw new CronfleetError('forbidden', text('auth.csrf', { header: CSRF_HEADER }));
    }
  }
  const { user } = session;
  return { kind: 'user', id: user.id, userId: user.id, name: user.username, role: session.user.role, actor: `user:${user.username}`, csrfToken: session.csrfToken };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The caller of a route that needs credentials (auth has run). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new CronfleetError('unauthorized', text('auth.missingShort'));
  return request.principal;
}
