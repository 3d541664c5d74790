import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { EARLIEST_INSTANT, nextFires, parseSchedule } from '../../domain/schedule.ts';
import { CronfleetError } from '../../protocol/errors.ts';
import { text } from '../../protocol/messages/index.ts';
import { ExecutionResponse, FireTimesResponse, ref, TaskHistoryEntryPage, TaskPage, TaskResponse } from '../../protocol/rest-responses.ts';
import type { Task } from '../../domain/task.ts';
import { IdParams, NextFiresQuery, TaskBody, TaskGetQuery, TaskHistoryQuery, TaskListQuery, TriggerBody, type TaskSort } from '../../protocol/rest-schemas.ts';
import type { ApiContext } from '../context.ts';
import { messageLocale } from '../errors.ts';
import { executionsToWire, iso, taskToWire } from '../dto.ts';
import { instantInput } from '../input-guard.ts';
import { errorResponses, noContent } from '../openapi.ts';
import { taskHistoryEntryToWire } from '../task-history.ts';

const tags = ['tasks'];
/** How many runs include=recent gives each task: the list's row of dots. */
const RECENT_RUNS = 10;
const noTask = errorResponses([404, 'No such task (task_not_found)']);
const nameTaken = errorResponses([409, 'Another task has this name (name_taken)']);
const oneTask = (description: string) => ({ 200: ref(TaskResponse, { description }), ...noTask });

const schemas = {
  create: { operationId: 'createTask', tags, summary: 'Create a task', body: TaskBody, response: { 201: ref(TaskResponse, { description: 'The task, as stored' }), ...nameTaken } },
  list: { operationId: 'listTasks', tags, summary: 'List tasks', querystring: TaskListQuery, response: { 200: ref(TaskPage, { description: 'A page of tasks' }) } },
  get: { operationId: 'getTask', tags, summary: 'Get a task', description: 'A deleted task answers 404 unless include_deleted is set.', params: IdParams, querystring: TaskGetQuery, response: oneTask('The task') },
  update: {
    operationId: 'updateTask',
    tags,
    summary: 'Update a task (fields given replace stored ones)',
    params: IdParams,
    body: TaskBody,
    response: { ...oneTask('The task, as stored now'), ...nameTaken },
  },
  remove: { operationId: 'deleteTask', tags, summary: 'Delete a task (soft delete)', params: IdParams, response: { 204: noContent('Deleted'), ...noTask } },
  restore: {
    operationId: 'restoreTask',
    tags,
    summary: 'Restore a deleted task',
    description: 'It comes back paused (resume it to fire again, from now on). A task that is not deleted is answered as it is. 409 name_taken when another task has its name now.',
    params: IdParams,
    response: { ...oneTask('The restored task, paused'), ...nameTaken },
  },
  history: {
    operationId: 'getTaskHistory',
    tags,
    summary: "A task's changes, newest first, from the audit log",
    description: 'Creation, updates (with the fields changed, old and new; secrets stay masked), pause, resume, delete and restore. Works for a deleted task too.',
    params: IdParams,
    querystring: TaskHistoryQuery,
    response: { 200: ref(TaskHistoryEntryPage, { description: 'A page of changes' }), ...noTask },
  },
  pause: { operationId: 'pauseTask', tags, summary: 'Pause a task', params: IdParams, response: oneTask('The paused task') },
  resume: { operationId: 'resumeTask', tags, summary: 'Resume a task', params: IdParams, response: oneTask('The active task') },
  trigger: {
    operationId: 'triggerTask',
    tags,
    summary: 'Run a task now',
    description: 'With parameters merged over its own ({"secret":"<value>"} marks a secret override; {"secret":true} keeps the stored one). No body means no overrides.',
    params: IdParams,
    body: TriggerBody,
    response: { 202: ref(ExecutionResponse, { description: 'The new execution, pending' }), ...noTask },
  },
  nextFires: {
    operationId: 'getTaskNextFires',
    tags,
    summary: "Preview a task's next fire times",
    params: IdParams,
    querystring: NextFiresQuery,
    response: { 200: ref(FireTimesResponse, { description: 'The next fire times; none for a task without a schedule' }), ...noTask },
  },
};

export function taskRoutes({ store, clock, tasks }: Pick<ApiContext, 'store' | 'clock' | 'tasks'>): FastifyPluginAsyncTypebox {
  /** Tasks as answered: each with what may keep it from running now, in the request's language. */
  const toWire = async (list: Task[], request: FastifyRequest) => {
    const warnings = await tasks.warnings(list);
    const locale = messageLocale(request);
    return list.map((task, index) => ({ ...taskToWire(task, locale), warnings: warnings[index]!.map((warning) => warning.in(locale)) }));
  };
  const oneToWire = async (task: Task, request: FastifyRequest) => (await toWire([task], request))[0]!;

  return async (app) => {
    app.post('/tasks', { schema: schemas.create }, async (request, reply) => {
      const task = await tasks.create(request.body);
      return reply.status(201).send(await oneToWire(task, request));
    });

    app.get('/tasks', { schema: schemas.list }, async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.page_size ?? 20;
      const sort = request.query.sort as TaskSort | undefined;
      const { items, total } = await store.tasks.list({ status: request.query.status as never, type: request.query.type, search: request.query.search, tags: [request.query.tag ?? []].flat(), sort, page, pageSize });
      const wire = await toWire(items, request);
      if (request.query.include !== 'recent') return { items: wire, total, page, page_size: pageSize };
      const recent = await store.tasks.recentExecutions(
        items.map((task) => task.id),
        RECENT_RUNS,
      );
      const withRecent = wire.map((task) => ({
        ...task,
        recent_executions: (recent.get(task.id) ?? []).map((run) => ({ id: run.id, status: run.status, scheduled_time: iso(run.scheduledTime), end_time: iso(run.endTime) })),
      }));
      return { items: withRecent, total, page, page_size: pageSize };
    });

    app.get('/tasks/:id', { schema: schemas.get }, async (request) => {
      const includeDeleted = request.query.include_deleted === true || request.query.include_deleted === 1;
      return oneToWire(await tasks.get(request.params.id, { includeDeleted }), request);
    });

    app.post('/tasks/:id/restore', { schema: schemas.restore }, async (request) => oneToWire(await tasks.restore(request.params.id), request));

    app.get('/tasks/:id/history', { schema: schemas.history }, async (request) => {
      await tasks.get(request.params.id, { includeDeleted: true });
      const page = request.query.page ?? 1;
      const pageSize = request.query.page_size ?? 20;
      const { items, total } = await store.tasks.history(request.params.id, page, pageSize);
      return { items: items.map(taskHistoryEntryToWire), total, page, page_size: pageSize };
    });

    app.put('/tasks/:id', { schema: schemas.update }, async (request) => {
      const task = await tasks.update(request.params.id, request.body);
      return oneToWire(task, request);
    });

    app.delete('/tasks/:id', { schema: schemas.remove }, async (request, reply) => {
      await tasks.remove(request.params.id);
      return reply.status(204).send();
    });

    app.post('/tasks/:id/pause', { schema: schemas.pause }, async (request) => oneToWire(await tasks.pause(request.params.id), request));
    app.post('/tasks/:id/resume', { schema: schemas.resume }, async (request) => oneToWire(await tasks.resume(request.params.id), request));

    const emptyBodyIsEmptyObject = async (request: { body: unknown }) => {
      if (request.body === undefined) request.body = {}; // `curl -X POST …/trigger` with no body means "no overrides"; a JSON null is refused
    };
    app.post('/tasks/:id/trigger', { schema: schemas.trigger, preValidation: emptyBodyIsEmptyObject }, async (request, reply) => {
      const { execution, task } = await tasks.trigger(request.params.id, request.body?.parameters ?? {});
      const [wire] = await executionsToWire(store, [execution], messageLocale(request), [task]);
      return reply.status(202).send(wire!);
    });

    app.get('/tasks/:id/next-fires', { schema: schemas.nextFires }, async (request) => {
      const task = await tasks.get(request.params.id);
      if (task.cronExpression === null) return { fires: [], timezone: task.timezone };
      const from = instantInput(request.query.from, 'querystring', 'from', EARLIEST_INSTANT) ?? clock.now();
      const schedule = parseSchedule(task.cronExpression, task.timezone, task.cronDialect);
      return { fires: nextFires(schedule, from, request.query.count ?? 10).map(iso), timezone: task.timezone };
    });
  };
}

export function assertFound<T>(value: T | null | undefined, what: 'task' | 'execution', id: string): T {
  if (value === null || value === undefined) throw new CronfleetError(`${what}_not_found`, text(what === 'task' ? 'notFound.task' : 'notFound.execution', { id }), { id });
  return value;
}
