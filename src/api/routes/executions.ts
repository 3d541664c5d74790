import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Type } from 'typebox';
import { isTerminal } from '../../domain/execution.ts';
import { CronfleetError } from '../../protocol/errors.ts';
import { text } from '../../protocol/messages/index.ts';
import { ExecutionPage, ExecutionResponse, LogPageResponse, ref } from '../../protocol/rest-responses.ts';
import { ExecutionListQuery, IdParams, LogsQuery, StopBody } from '../../protocol/rest-schemas.ts';
import type { ApiContext } from '../context.ts';
import { executionsToWire, logChunkToWire } from '../dto.ts';
import { messageLocale } from '../errors.ts';
import { instantInput } from '../input-guard.ts';
import { errorResponses } from '../openapi.ts';
import { assertFound } from './tasks.ts';

const tags = ['executions'];
const noExecution = errorResponses([404, 'No such execution (execution_not_found)']);

const schemas = {
  list: { operationId: 'listExecutions', tags, summary: 'List executions, newest first', querystring: ExecutionListQuery, response: { 200: ref(ExecutionPage, { description: 'A page of executions' }) } },
  get: { operationId: 'getExecution', tags, summary: 'Get an execution', params: IdParams, response: { 200: ref(ExecutionResponse, { description: 'The execution' }), ...noExecution } },
  stop: {
    operationId: 'stopExecution',
    tags,
    summary: 'Stop an execution (kill its process group)',
    description:
      'A pending execution is cancelled at once. A running one gets SIGTERM on its whole process group, then SIGKILL after the grace period; with {"force":true} SIGKILL at once (also while an earlier stop\'s grace runs). No body means {"force":false}.',
    params: IdParams,
    body: StopBody,
    response: { 202: ref(ExecutionResponse, { description: 'The execution as it is now: a stop is asynchronous, it ends as cancelled' }), ...noExecution, ...errorResponses([409, 'It already ended (invalid_state)']) },
  },
  rerun: {
    operationId: 'rerunExecution',
    tags,
    summary: 'Run the task again with the parameters of this execution',
    description:
      "A manual run of the execution's task now, with exactly this execution's parameters, secrets included: a one-off secret this run was triggered with is used again (a trigger with the parameters as read, where secrets show as {\"secret\":true}, would keep the task's stored secret instead). Bypasses the execution mode, like a trigger. No body.",
    params: IdParams,
    response: {
      202: ref(ExecutionResponse, { description: 'The new execution, pending' }),
      ...errorResponses([404, 'No such execution (execution_not_found), or its task was deleted (task_not_found)']),
    },
  },
  logs: {
    operationId: 'getExecutionLogs',
    tags,
    summary: 'Read (or follow, or download) an execution log',
    description:
      'With follow=1 the answer is a stream of newline-delimited JSON: one log line per line, then {"end":true,"status":…} when the execution ends. With format=text the answer is the whole log as it is now (after after_seq), as plain text with a download file name; format=text with follow is refused (400).',
    params: IdParams,
    querystring: LogsQuery,
    response: {
      200: {
        description: 'A page of the log, or (follow=1) the log as it is written',
        content: {
          'application/json': { schema: ref(LogPageResponse) },
          'application/x-ndjson': { schema: Type.String({ description: 'One JSON object per line' }) },
          'text/plain': { schema: Type.String({ description: 'format=text: the log as written, stdout and stderr interleaved in order' }) },
        },
      },
      ...errorResponses([400, 'format=text with follow (invalid_request)']),
      ...noExecution,
    },
  },
};

type ExecutionRouteDeps = Pick<ApiContext, 'store' | 'dispatcher' | 'events' | 'tasks'>;

/** Log chunks read per query while a whole log is sent as text. */
const TEXT_PAGE = 5000;

export function executionRoutes(deps: ExecutionRouteDeps): FastifyPluginAsyncTypebox {
  const { store, dispatcher, tasks } = deps;
  return async (app) => {
    app.get('/executions', { schema: schemas.list }, async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.page_size ?? 20;
      const { items, total } = await store.executions.list({
        taskId: request.query.task_id,
        status: request.query.status as never,
        executorId: request.query.executor_id,
        trigger: request.query.trigger,
        from: instantInput(request.query.from, 'querystring', 'from'),
        to: instantInput(request.query.to, 'querystring', 'to'),
        page,
        pageSize,
      });
      return { items: await executionsToWire(store, items, messageLocale(request)), total, page, page_size: pageSize };
    });

    const oneToWire = async (id: string, request: FastifyRequest) => (await executionsToWire(store, [assertFound(await store.executions.get(id), 'execution', id)], messageLocale(request)))[0]!;
    app.get('/executions/:id', { schema: schemas.get }, async (request) => oneToWire(request.params.id, request));

    app.post('/executions/:id/stop', { schema: schemas.stop, ...optionalJsonBody }, async (request, reply) => {
      const execution = assertFound(await store.executions.get(request.params.id), 'execution', request.params.id);
      if (isTerminal(execution.status)) {
        throw new CronfleetError('invalid_state', text('execution.ended', { id: execution.id, status: execution.status }), { status: execution.status });
      }
      await dispatcher.stopExecution(execution, request.body?.force === true);
      return reply.status(202).send(await oneToWire(execution.id, request));
    });

    app.post('/executions/:id/rerun', { schema: schemas.rerun }, async (request, reply) => {
      const execution = assertFound(await store.executions.get(request.params.id), 'execution', request.params.id);
      return reply.status(202).send((await executionsToWire(store, [await tasks.rerun(execution)], messageLocale(request)))[0]!);
    });

    app.get('/executions/:id/logs', { schema: schemas.logs }, async (request, reply) => {
      const execution = assertFound(await store.executions.get(request.params.id), 'execution', request.params.id);
      const afterSeq = request.query.after_seq ?? 0;
      if (request.query.format === 'text') {
        if (request.query.follow) throw new CronfleetError('invalid_request', text('logs.textFollow'), { field: 'format' });
        return reply
          .type('text/plain; charset=utf-8')
          .header('content-disposition', `attachment; filename="execution-${execution.id}.log.txt"`)
          .header('cache-control', 'no-store')
          .send(Readable.from(logText(store, execution.id, afterSeq)));
      }
      const limit = request.query.limit ?? 1000;
      if (!request.query.follow) {
        const chunks = await store.logs.read(execution.id, afterSeq, limit);
        return {
          items: chunks.map(logChunkToWire),
          next_seq: chunks.length > 0 ? chunks[chunks.length - 1]!.seq : afterSeq,
          finished: isTerminal(execution.status),
          status: execution.status,
        };
      }
      reply.hijack();
      await followLogs(deps, execution.id, afterSeq, reply.raw, request.raw);
    });
  };
}

/**
 * Route hooks for a POST whose JSON body is optional: no body (`curl -X POST …/stop`), or
 * an empty one sent as application/json, means the defaults, `{}`. (The JSON parser
 * refuses empty text, so an empty body drops its content type before parsing.)
 */
export const optionalJsonBody = {
  onRequest: async (request: { headers: Record<string, unknown> }) => {
    if (request.headers['content-length'] === '0') delete request.headers['content-type'];
  },
  // Only a missing body: a JSON `null` is a body, and not an object (400).
  preValidation: async (request: { body: unknown }) => {
    if (request.body === undefined) request.body = {};
  },
};

/** The log's chunks from after `afterSeq`, in order, read a page at a time (a log can be large). */
async function* logText(store: ExecutionRouteDeps['store'], executionId: string, afterSeq: number): AsyncGenerator<string> {
  let seq = afterSeq;
  for (;;) {
    const chunks = await store.logs.read(executionId, seq, TEXT_PAGE);
    if (chunks.length > 0) yield chunks.map((chunk) => chunk.chunk).join('');
    if (chunks.length < TEXT_PAGE) return;
    seq = chunks[chunks.length - 1]!.seq;
  }
}

/** Streams log chunks as newline-delimited JSON until the execution ends or the client leaves. */
async function followLogs(
  { store, events }: Pick<ExecutionRouteDeps, 'store' | 'events'>,
  executionId: string,
  afterSeq: number,
  response: import('node:http').ServerResponse,
  request: import('node:http').IncomingMessage,
): Promise<void> {
  response.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  let seq = afterSeq;
  let closed = false;
  request.on('close', () => {
    closed = true;
  });
  let wake: (() => void) | null = null;
  const offLog = events.on('execution.log', (event) => event.executionId === executionId && wake?.());
  const offFinished = events.on('execution.finished', (event) => event.executionId === executionId && wake?.());
  try {
    while (!closed) {
      const execution = await store.executions.get(executionId);
      const chunks = await store.logs.read(executionId, seq, 1000);
      for (const chunk of chunks) {
        response.write(`${JSON.stringify(logChunkToWire(chunk))}\n`);
        seq = chunk.seq;
      }
      if (chunks.length === 1000) continue;
      if (!execution || isTerminal(execution.status)) {
        response.write(`${JSON.stringify({ end: true, status: execution?.status ?? null })}\n`);
        break;
      }
      // Wait for news, with a slow poll so another instance's writes are seen too.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    offLog();
    offFinished();
    response.end();
  }
}
