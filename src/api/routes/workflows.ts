// Workflows (issue 19): DAGs of steps, each a task; their runs with each step's state.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ref } from '../../protocol/rest-responses.ts';
import { IdParams } from '../../protocol/rest-schemas.ts';
import {
  BackfillBody,
  BackfillResponse,
  WorkflowBody,
  WorkflowListQuery,
  WorkflowPage,
  WorkflowResponse,
  WorkflowRunListQuery,
  WorkflowRunPage,
  WorkflowRunResponse,
  WorkflowTriggerBody,
} from '../../protocol/workflow-schemas.ts';
import type { ApiContext } from '../context.ts';
import { messageLocale } from '../errors.ts';
import { errorResponses, noContent } from '../openapi.ts';
import { runsToWire, workflowsToWire } from '../workflow-dto.ts';

const tags = ['workflows'];
const noWorkflow = errorResponses([404, 'No such workflow (workflow_not_found)']);
const nameTaken = errorResponses([409, 'Another workflow has this name (name_taken)']);
const refused =
  'Refused with 400 invalid_workflow naming the problem: a cycle (details.cycle), a dependency on an unknown step (details.unknown_step), a step depending on itself, an unknown task (details.unknown_task).';
const backfillDescription = 'Every scheduled instant of the workflow in [from, to] (instants after now excluded), oldest first, at most max_runs (default 1000); instants already in its fire ledger are skipped.';

const schemas = {
  create: {
    operationId: 'createWorkflow',
    tags,
    summary: 'Create a workflow',
    description: refused,
    body: WorkflowBody,
    response: { 201: ref(WorkflowResponse, { description: 'The workflow, as stored' }), ...nameTaken },
  },
  list: {
    operationId: 'listWorkflows',
    tags,
    summary: 'List workflows; with task_id, those a task is a step of',
    querystring: WorkflowListQuery,
    response: { 200: ref(WorkflowPage, { description: 'A page of workflows, by name' }) },
  },
  get: { operationId: 'getWorkflow', tags, summary: 'Get a workflow', params: IdParams, response: { 200: ref(WorkflowResponse, { description: 'The workflow' }), ...noWorkflow } },
  update: {
    operationId: 'updateWorkflow',
    tags,
    summary: 'Update a workflow (fields given replace stored ones)',
    description: `${refused} Runs under way keep the steps they started with.`,
    params: IdParams,
    body: WorkflowBody,
    response: { 200: ref(WorkflowResponse, { description: 'The workflow, as stored now' }), ...noWorkflow, ...nameTaken },
  },
  remove: { operationId: 'deleteWorkflow', tags, summary: 'Delete a workflow (its runs stay readable)', params: IdParams, response: { 204: noContent('Deleted'), ...noWorkflow } },
  trigger: {
    operationId: 'triggerWorkflow',
    tags,
    summary: 'Run a workflow now',
    description: "Its steps without dependencies start at once; every step is given these parameters over its task's own, plus upstream.<step>.result and .status of its dependencies.",
    params: IdParams,
    body: WorkflowTriggerBody,
    response: { 202: ref(WorkflowRunResponse, { description: 'The new run' }), ...noWorkflow },
  },
  runs: {
    operationId: 'listWorkflowRuns',
    tags,
    summary: "A workflow's runs, newest first, each with its steps' states",
    params: IdParams,
    querystring: WorkflowRunListQuery,
    response: { 200: ref(WorkflowRunPage, { description: 'A page of runs' }), ...noWorkflow },
  },
  run: {
    operationId: 'getWorkflowRun',
    tags,
    summary: "A workflow run with each step's state",
    params: IdParams,
    response: { 200: ref(WorkflowRunResponse, { description: 'The run' }), ...errorResponses([404, 'No such run (workflow_run_not_found)']) },
  },
  backfill: {
    operationId: 'backfillWorkflow',
    tags,
    summary: 'Run the scheduled instants of a past range (trigger backfill)',
    description: `${backfillDescription} Each new instant becomes a run.`,
    params: IdParams,
    body: BackfillBody,
    response: { 202: ref(BackfillResponse, { description: 'What was created and what was already there' }), ...noWorkflow },
  },
  preview: {
    operationId: 'previewWorkflowBackfill',
    tags,
    summary: 'Preview a workflow backfill',
    description: `${backfillDescription} Nothing is created.`,
    params: IdParams,
    body: BackfillBody,
    response: { 200: ref(BackfillResponse, { description: 'The instants, and which are new' }), ...noWorkflow },
  },
};

export function workflowRoutes({ store, workflows }: Pick<ApiContext, 'store' | 'workflows'>): FastifyPluginAsyncTypebox {
  const emptyBodyIsEmptyObject = async (request: { body: unknown }) => {
    if (request.body === undefined) request.body = {};
  };
  return async (app) => {
    app.post('/workflows', { schema: schemas.create }, async (request, reply) => reply.status(201).send((await workflowsToWire(store, [await workflows.create(request.body)]))[0]!));
    app.get('/workflows', { schema: schemas.list }, async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.page_size ?? 20;
      const { items, total } = await store.workflows.list(page, pageSize, request.query.task_id);
      return { items: await workflowsToWire(store, items), total, page, page_size: pageSize };
    });
    app.get('/workflows/:id', { schema: schemas.get }, async (request) => (await workflowsToWire(store, [await workflows.get(request.params.id)]))[0]!);
    app.put('/workflows/:id', { schema: schemas.update }, async (request) => (await workflowsToWire(store, [await workflows.update(request.params.id, request.body)]))[0]!);
    app.delete('/workflows/:id', { schema: schemas.remove }, async (request, reply) => {
      await workflows.remove(request.params.id);
      return reply.status(204).send();
    });
    app.post('/workflows/:id/trigger', { schema: schemas.trigger, preValidation: emptyBodyIsEmptyObject }, async (request, reply) => {
      const run = await workflows.trigger(request.params.id, request.body?.parameters ?? {});
      return reply.status(202).send((await runsToWire(store, [run], messageLocale(request)))[0]!);
    });
    app.get('/workflows/:id/runs', { schema: schemas.runs }, async (request) => {
      await workflows.get(request.params.id);
      const page = request.query.page ?? 1;
      const pageSize = request.query.page_size ?? 20;
      const { items, total } = await store.workflowRuns.list(request.params.id, page, pageSize);
      return { items: await runsToWire(store, items, messageLocale(request)), total, page, page_size: pageSize };
    });
    app.get('/workflow-runs/:id', { schema: schemas.run }, async (request) => (await runsToWire(store, [await workflows.run(request.params.id)], messageLocale(request)))[0]!);
    app.post('/workflows/:id/backfill', { schema: schemas.backfill }, async (request, reply) => reply.status(202).send(await workflows.backfill(request.params.id, request.body, false)));
    app.post('/workflows/:id/backfill/preview', { schema: schemas.preview }, async (request) => workflows.backfill(request.params.id, request.body, true));
  };
}
