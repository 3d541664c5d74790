// Backfill of tasks and workflows (issue 19), and its preview: the same body, nothing created.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ref } from '../../protocol/rest-responses.ts';
import { IdParams } from '../../protocol/rest-schemas.ts';
import { BackfillBody, BackfillResponse } from '../../protocol/workflow-schemas.ts';
import type { ApiContext } from '../context.ts';
import { errorResponses } from '../openapi.ts';

const noTask = errorResponses([404, 'No such task (task_not_found)']);
const description =
  'Every scheduled instant of the task in [from, to] (instants after now excluded), oldest first, at most max_runs (default 1000). Instants already in the fire ledger (fired, or backfilled before) are skipped, so repeating a backfill adds nothing.';

const schemas = {
  backfill: {
    operationId: 'backfillTask',
    tags: ['tasks'],
    summary: 'Run the scheduled instants of a past range (trigger backfill)',
    description: `${description} Each new instant becomes a pending execution with trigger backfill.`,
    params: IdParams,
    body: BackfillBody,
    response: { 202: ref(BackfillResponse, { description: 'What was created and what was already there' }), ...noTask },
  },
  preview: {
    operationId: 'previewTaskBackfill',
    tags: ['tasks'],
    summary: 'Preview a backfill: the instants it would run, and those it would skip',
    description: `${description} Nothing is created.`,
    params: IdParams,
    body: BackfillBody,
    response: { 200: ref(BackfillResponse, { description: 'The instants, and which are new' }), ...noTask },
  },
};

export function backfillRoutes({ tasks }: Pick<ApiContext, 'tasks'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/tasks/:id/backfill', { schema: schemas.backfill }, async (request, reply) => reply.status(202).send(await tasks.backfill(request.params.id, request.body, false)));
    app.post('/tasks/:id/backfill/preview', { schema: schemas.preview }, async (request) => tasks.backfill(request.params.id, request.body, true));
  };
}
