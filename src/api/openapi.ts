// The OpenAPI document (/api/docs/json) and its browser (/api/docs). Routes declare their
// own answers (success bodies, 404, 409 …) with schemas from protocol/rest-responses.ts;
// the answers every route of a kind can give are added here, from what decides them, so
// the document cannot drift from the behaviour: 401/403 and the security requirement from
// the route's access (access.ts), 413/415 from having a body, 429 from the rate limits,
// 503 from reading the database. `npm run check` lints the result (scripts/check-openapi.ts).
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { Type } from 'typebox';
import { alertResponseSchemas } from '../protocol/alert-schemas.ts';
import { ErrorResponse, namedResponseSchemas, ref } from '../protocol/rest-responses.ts';
import { workflowResponseSchemas } from '../protocol/workflow-schemas.ts';
import { needsCaller } from './access.ts';

/** What each error status means, for every route that can answer it. */
const errorDescriptions = {
  400: 'The request is invalid: error.details names the field (invalid_request, or a rule such as invalid_cron)',
  401: 'No valid credentials (unauthorized)',
  403: 'The caller may not do this: its role is too low, or a session sent no X-CSRF-Token (forbidden)',
  404: 'Not found',
  409: 'The request conflicts with the current state',
  413: 'The body is larger than body_limit_bytes (payload_too_large)',
  415: 'The body is not JSON (invalid_request)',
  429: 'Too many requests: wait a minute (rate_limited)',
  503: 'The database cannot answer now (storage_unavailable, storage_busy): retry after Retry-After seconds',
} as const;
type ErrorStatus = keyof typeof errorDescriptions;

/** Error answers for a route's schema.response, each described (a route may say why more exactly). */
export function errorResponses(...statuses: Array<ErrorStatus | [ErrorStatus, string]>) {
  return Object.fromEntries(
    statuses.map((entry) => {
      const [status, description] = Array.isArray(entry) ? entry : [entry, errorDescriptions[entry]];
      return [status, errorResponse(status, description)];
    }),
  ) as Partial<Record<ErrorStatus, ReturnType<typeof errorResponse>>>;
}

function errorResponse(status: ErrorStatus, description: string) {
  const schema = ref(ErrorResponse, { description });
  return status === 503 ? { ...schema, headers: { 'retry-after': { type: 'string', description: 'Seconds to wait' } } } : schema;
}

/** An answer with no body (204): the handler calls send() with nothing. */
export function noContent(description: string) {
  return Type.Unsafe<void>({ type: 'null', description });
}

export interface OpenApiOptions {
  version: string;
  /** rate_limit_per_minute > 0: every /api route may answer 429. */
  rateLimited: boolean;
}

/**
 * Registers the document and its browser. Call it after attachRouteAccess (the access it
 * reads is set by that hook) and before any route it should describe.
 */
export async function registerOpenApi(app: FastifyInstance, options: OpenApiOptions): Promise<void> {
  for (const schema of [...namedResponseSchemas, ...alertResponseSchemas, ...workflowResponseSchemas]) app.addSchema(schema);
  app.addHook('onRoute', (route) => {
    const schema: FastifySchema = route.schema ?? {};
    if (schema.hide) return;
    const access = route.config?.access;
    const response = { ...(schema.response as Record<string, unknown> | undefined) };
    const add = (status: ErrorStatus) => {
      response[status] ??= errorResponse(status, errorDescriptions[status]);
    };
    // The text guard (input-guard.ts) reads every path, query string and body, so any route
    // can refuse a request; validation refuses more where a route has schemas.
    add(400);
    if (access === 'callback') add(401);
    if (access !== undefined && needsCaller(access)) {
      add(401);
      add(403);
    }
    if (schema.body) {
      add(413);
      add(415);
    }
    if ((options.rateLimited && route.url.startsWith('/api/')) || route.config?.rateLimit) add(429);
    // Every /api route reads the database (authentication alone does, for tokens and sessions).
    if (route.url.startsWith('/api/')) add(503);
    route.schema = { ...schema, response, ...(access !== undefined && !needsCaller(access) ? { security: [] } : {}) };
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'cronfleet API',
        version: options.version,
        description:
          'Distributed scheduled tasks. Send "Authorization: Bearer <token>" (an API token), or sign in and send the session cookie, with X-CSRF-Token on every change. Errors are always {"error":{"code","message","details"}}; match on the code.',
      },
      servers: [{ url: '/', description: 'This server' }],
      tags: [
        { name: 'auth', description: 'Signing in, and who is calling' },
        { name: 'users', description: 'People who sign in (admins only)' },
        { name: 'tokens', description: 'API tokens for scripts, CI and the CLI' },
        { name: 'audit', description: 'Who changed what' },
        { name: 'tasks', description: 'Scheduled tasks' },
        { name: 'executions', description: 'Runs of tasks, their logs, and HTTP executor callbacks' },
        { name: 'schedules', description: 'Cron expressions' },
        { name: 'executors', description: 'The fleet: agents and HTTP executors, and their enrollment tokens' },
        { name: 'system', description: 'Probes, metrics, cluster status, statistics and live events' },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (cft_…) or the admin token' },
          session: { type: 'apiKey', in: 'cookie', name: 'cronfleet_session', description: 'Set by POST /api/v1/auth/login; changes also need the X-CSRF-Token header' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    // Named schemas appear under components.schemas by their $id (Task, Execution, Error …).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, index) => (typeof json.$id === 'string' ? json.$id : `def-${index}`) },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true });
}
