import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { CronfleetError } from '../../protocol/errors.ts';
import { text } from '../../protocol/messages/index.ts';
import { ExecutionResponse, ExecutorPage, ExecutorResponse, ref, RegisteredExecutorResponse } from '../../protocol/rest-responses.ts';
import { ExecutionCallbackBody, ExecutorStatusBody, IdParams, RegisterExecutorBody } from '../../protocol/rest-schemas.ts';
import type { ExecutorStatus } from '../../store/executors.ts';
import type { ApiContext } from '../context.ts';
import { SIGNATURE_HEADERS } from '../../protocol/request-signing.ts';
import { executionsToWire, executorToWire } from '../dto.ts';
import { messageLocale } from '../errors.ts';
import { forgetStickyBindings } from '../../dispatch/routing-memory.ts';
import { errorResponses, noContent } from '../openapi.ts';

const tags = ['executors'];

const schemas = {
  list: { operationId: 'listExecutors', tags, summary: 'List executors with load and heartbeat age', response: { 200: ref(ExecutorPage, { description: 'Every executor, as page 1' }) } },
  get: {
    operationId: 'getExecutor',
    tags,
    summary: 'One executor with its load and heartbeat age',
    description: 'Its executions: GET /executions?executor_id={id}.',
    params: IdParams,
    response: { 200: ref(ExecutorResponse, { description: 'The executor' }), ...errorResponses([404, 'No such executor (not_found)']) },
  },
  register: {
    operationId: 'registerExecutor',
    tags,
    summary: 'Register (or update, by instance_id) an HTTP executor',
    description: 'The callback_secret (it signs callbacks and verifies pushes, see the callback route) is returned only on first registration or rotation.',
    body: RegisterExecutorBody,
    response: {
      200: ref(RegisteredExecutorResponse, { description: 'The executor, updated' }),
      201: ref(RegisteredExecutorResponse, { description: 'The executor, registered now, with its callback_secret' }),
      ...errorResponses([409, 'The instance_id belongs to an agent executor (conflict)']),
    },
  },
  setStatus: {
    operationId: 'setExecutorStatus',
    tags,
    summary: 'Set an executor online, offline or in maintenance (maintenance drains: running work finishes)',
    params: IdParams,
    body: ExecutorStatusBody,
    response: { 200: ref(ExecutorResponse, { description: 'The executor' }), ...errorResponses([404, 'No such executor (not_found)']) },
  },
  remove: {
    operationId: 'deleteExecutor',
    tags,
    summary: 'Remove an offline or maintenance executor that runs nothing, with its routing state',
    description:
      'Its executions keep its id as history. An agent still connected is disconnected; if it reconnects (or an HTTP executor registers again) with the same instance_id, it comes back in maintenance and gets no work until set online. The built-in executor of `cronfleet up` cannot be removed.',
    params: IdParams,
    response: {
      204: noContent('Removed'),
      ...errorResponses([404, 'No such executor (not_found)'], [409, 'It is online (set maintenance or offline first), still runs executions, or is the built-in executor of `cronfleet up` (invalid_state)']),
    },
  },
};

export function executorRoutes({ store, clock, dispatcher, gateway, httpExecutors }: Pick<ApiContext, 'store' | 'clock' | 'dispatcher' | 'gateway' | 'httpExecutors'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    const toWire = async (executorId: string) => {
      const [executor, load] = await Promise.all([store.executors.get(executorId), store.executions.runningCountByExecutor()]);
      if (!executor) throw new CronfleetError('not_found', text('notFound.executor', { id: executorId }), { id: executorId });
      return executorToWire(executor, load.get(executorId) ?? 0, Date.now());
    };

    app.get('/executors', { schema: schemas.list }, async () => {
      const [executors, load] = await Promise.all([store.executors.list(), store.executions.runningCountByExecutor()]);
      const now = Date.now();
      const items = executors.map((executor) => executorToWire(executor, load.get(executor.id) ?? 0, now));
      return { items, total: items.length, page: 1, page_size: items.length };
    });

    app.get('/executors/:id', { schema: schemas.get }, async (request) => toWire(request.params.id));

    app.post('/executors/register', { schema: schemas.register }, async (request, reply) => {
      const { executor, created, callbackSecret } = await httpExecutors.register(request.body);
      const body = { ...(await toWire(executor.id)), ...(callbackSecret !== null ? { callback_secret: callbackSecret } : {}) };
      return reply.status(created ? 201 : 200).send(body);
    });

    app.put('/executors/:id/status', { schema: schemas.setStatus }, async (request) => {
      const { id } = request.params;
      const executor = await store.executors.get(id);
      if (!executor) throw new CronfleetError('not_found', text('notFound.executor', { id }), { id });
      const status = request.body.status as ExecutorStatus;
      await store.executors.setStatus(id, status, clock.now());
      // No column holds the reason yet (an audit log is planned): the log keeps it.
      request.log.info({ executorId: id, from: executor.status, to: status, reason: request.body.reason ?? null }, 'executor status set');
      if (status === 'online') dispatcher.wake(); // work may have waited for it
      return toWire(id);
    });

    // The row goes first (store/executors.ts remove checks and deletes in one statement),
    // then what this instance holds for it: its link (an agent in maintenance may still be
    // connected: told and disconnected; another instance ends its link at the next
    // heartbeat) and its sticky bindings. Nothing routes to it after the delete: the
    // dispatcher chooses among the executors the table lists.
    app.delete('/executors/:id', { schema: schemas.remove }, async (request, reply) => {
      const now = clock.now();
      const executor = await store.executors.remove(request.params.id, now);
      httpExecutors.removed(executor.id);
      const disconnected = gateway.removed(executor.id);
      // Best effort: a binding left behind names an executor that no longer exists, which routing skips.
      const bindings = await forgetStickyBindings(store, executor.id, now).catch((error: unknown) => {
        request.log.warn({ err: error, executorId: executor.id }, 'could not clear the sticky bindings of a removed executor');
        return 0;
      });
      request.log.info({ executorId: executor.id, instanceId: executor.instanceId, status: executor.status, disconnected, stickyBindingsCleared: bindings }, 'executor removed');
      return reply.status(204).send();
    });
  };
}

// The callback is the one /api route an HTTP executor calls: the admin-token hook skips
// it (auth.ts names it) and it requires a request signed by the executor the execution
// is assigned to (protocol/request-signing.ts: HMAC-SHA256 over the route, this
// execution's id, a timestamp, a nonce and the raw body), never accepted twice.
// The signature is over the bytes sent, so this plugin keeps the raw body, and checks it
// before the body is parsed or validated: an unsigned caller learns nothing, not even
// whether the body is JSON or what a valid one looks like.

export function executionCallbackRoutes({ store, httpExecutors }: Pick<ApiContext, 'store' | 'httpExecutors'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    const callers = new WeakMap<FastifyRequest, string>();
    const raw = new WeakMap<FastifyRequest, Buffer>();
    // Scoped to this plugin (Fastify encapsulation): the other routes parse JSON as usual.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      raw.set(request, body as Buffer);
      done(null, body); // parsed once the signature holds (preValidation)
    });
    app.post(
      '/executions/:id/callback',
      {
        schema: {
          operationId: 'reportExecution',
          tags: ['executions'],
          summary: 'An HTTP executor reports on an execution (signed)',
          description:
            'Signed by the executor the execution is assigned to, with no other credentials: X-Cronfleet-Executor, X-Cronfleet-Timestamp, X-Cronfleet-Nonce, X-Cronfleet-Signature: v2=<hex HMAC-SHA256(callback_secret, "v2\\nPOST\\n/api/v1/executions/{id}/callback\\n<executor id>\\n<execution id>\\n<timestamp>\\n<nonce>\\n<raw body>")>; a replayed nonce gets 409 replayed_request',
          params: IdParams,
          body: ExecutionCallbackBody,
          response: {
            200: ref(ExecutionResponse, { description: 'The execution, as the report left it' }),
            ...errorResponses(
              [401, 'The signature is missing, wrong or stale, or names another executor (unauthorized)'],
              [404, 'No such execution (execution_not_found)'],
              [409, 'A replayed nonce (replayed_request), or a report the execution can no longer take (invalid_state)'],
            ),
          },
        },
        preValidation: async (request) => {
          const header = (name: string) => {
            const value = request.headers[name];
            return Array.isArray(value) ? value[0] : value;
          };
          const body = raw.get(request) ?? Buffer.alloc(0);
          const headers = {
            executorId: header(SIGNATURE_HEADERS.executor),
            timestamp: header(SIGNATURE_HEADERS.timestamp),
            nonce: header(SIGNATURE_HEADERS.nonce),
            signature: header(SIGNATURE_HEADERS.signature),
          };
          // The id the router matched (not the URL text): the signature must name this execution.
          callers.set(request, await httpExecutors.authenticate(headers, request.params.id, body));
          try {
            // Any JSON: validation against the body schema comes next.
            request.body = JSON.parse(body.toString('utf8')) as typeof request.body;
          } catch {
            throw new CronfleetError('invalid_request', text('request.bodyNotJson'));
          }
        },
      },
      async (request) => {
        const execution = await httpExecutors.callback(callers.get(request)!, request.params.id, request.body);
        const [wire] = await executionsToWire(store, [execution], messageLocale(request));
        return wire;
      },
    );
  };
}
