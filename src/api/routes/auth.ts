// Signing in to the UI: a session cookie (HttpOnly, SameSite=Strict) plus a CSRF token
// the UI echoes in X-CSRF-Token. The same routes tell any caller who they are.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { randomBytes } from 'node:crypto';
import { Type } from 'typebox';
import { normalizeUsername, usernameProblem } from '../../domain/usernames.ts';
import { CronfleetError } from '../../protocol/errors.ts';
import { text } from '../../protocol/messages/index.ts';
import { CallerResponse, ref, SessionResponse } from '../../protocol/rest-responses.ts';
import { newSecret } from '../../store/executor-tokens.ts';
import { principalOf, SESSION_COOKIE } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { errorResponses, noContent } from '../openapi.ts';
import { userToWire } from '../security-dto.ts';
import { hashPassword, passwordProblem, verifyPassword } from '../passwords.ts';

const LoginBody = Type.Object({ username: Type.String({ minLength: 1, maxLength: 128 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });
const PasswordBody = Type.Object({ current_password: Type.String({ minLength: 1, maxLength: 256 }), new_password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false });

const tags = ['auth'];

const schemas = {
  login: {
    operationId: 'login',
    tags,
    summary: 'Sign in: sets the session cookie and returns the CSRF token to send with every change',
    body: LoginBody,
    response: { 200: ref(SessionResponse, { description: 'Signed in: the cookie is set' }), ...errorResponses([401, 'Wrong user name or password, or the user is disabled (unauthorized)']) },
  },
  logout: { operationId: 'logout', tags, summary: 'Sign out: ends this session', response: { 204: noContent('Signed out: the cookie is cleared') } },
  me: {
    operationId: 'getCaller',
    tags,
    summary: 'Who is calling: the user (or token) and, for a session, its CSRF token',
    response: { 200: ref(CallerResponse, { description: 'The caller' }) },
  },
  password: {
    operationId: 'changePassword',
    tags,
    summary: 'Change your own password (ends your other sessions)',
    body: PasswordBody,
    response: { 204: noContent('Changed'), ...errorResponses([403, 'current_password is wrong, or the CSRF header is missing (forbidden)']) },
  },
};

/** tls: cookies are Secure over HTTPS. */
type AuthRouteDeps = Pick<ApiContext, 'store' | 'clock' | 'tls'> & { security: Pick<ApiContext['security'], 'sessionTtlMs' | 'loginRateLimitPerMinute'> };

export function authRoutes({ store, clock, tls, security }: AuthRouteDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const cookieOptions = { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: tls !== null };
    app.post(
      '/auth/login',
      {
        schema: schemas.login,
        config: {
          rateLimit: {
            max: security.loginRateLimitPerMinute,
            timeWindow: 60_000,
            // Keyed on the normalised name, the one that signs in: "alice ", "ALICE" and
            // "alice" spend the same budget.
            keyGenerator: (request) => {
              const sent = (request.body as { username?: unknown } | undefined)?.username;
              return `login:${request.ip}:${typeof sent === 'string' ? normalizeUsername(sent) : ''}`;
            },
          },
        },
      },
      async (request, reply) => {
        const { password } = request.body;
        const username = normalizeUsername(request.body.username);
        const problem = usernameProblem(username);
        if (problem) throw new CronfleetError('invalid_request', text('user.nameProblem', { problem }), { field: 'username' });
        const found = await store.users.passwordHash(username);
        const matches = await verifyPassword(password, found?.passwordHash ?? null);
        if (!found || !matches || found.user.disabled) {
          request.auditLogin = { username, ok: false };
          throw new CronfleetError('unauthorized', text('auth.wrongPassword'));
        }
        const now = clock.now();
        const session = newSecret('cfs_');
        const csrfToken = randomBytes(24).toString('base64url');
        await store.users.startSession(session, csrfToken, found.user.id, now, now + security.sessionTtlMs);
        request.auditLogin = { username, ok: true };
        reply.setCookie(SESSION_COOKIE, session, { ...cookieOptions, maxAge: Math.floor(security.sessionTtlMs / 1000) });
        return { user: userToWire(found.user), csrf_token: csrfToken };
      },
    );

    app.post('/auth/logout', { schema: schemas.logout }, async (request, reply) => {
      const cookie = request.cookies[SESSION_COOKIE];
      if (cookie) await store.users.endSession(cookie);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return reply.status(204).send();
    });

    app.get('/auth/me', { schema: schemas.me }, async (request) => {
      const principal = principalOf(request);
      if (principal.kind === 'user') {
        const user = await store.users.get(principal.id!);
        return { user: user ? userToWire(user) : null, csrf_token: principal.csrfToken };
      }
      return { user: null, token: { id: principal.id, name: principal.name, role: principal.role }, csrf_token: null };
    });

    app.put('/auth/password', { schema: schemas.password }, async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind !== 'user') throw new CronfleetError('invalid_request', text('auth.notAUser'));
      const stored = await store.users.passwordHashById(principal.id!);
      if (!(await verifyPassword(request.body.current_password, stored))) throw new CronfleetError('forbidden', text('auth.currentPassword'), { field: 'current_password' });
      const problem = passwordProblem(request.body.new_password);
      if (problem) throw new CronfleetError('invalid_request', text('field.problem', { field: 'new_password', problem }), { field: 'new_password' });
      await store.users.update(principal.id!, { passwordHash: await hashPassword(request.body.new_password) }, clock.now());
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return reply.status(204).send();
    });
  };
}
