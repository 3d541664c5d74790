import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EARLIEST_INSTANT, nextFires, parseSchedule } from '../../domain/schedule.ts';
import { CronfleetError } from '../../protocol/errors.ts';
import { ExecutionResponse, FireTimesResponse, ref, TaskPage, TaskResponse } from '../../protocol/rest-responses.ts';
import type { Task } from '../../domain/task.ts';
import { IdParams, NextFiresQuery, TaskBody, TaskListQuery, TriggerBody } from '../../protocol/rest-schemas.ts';
import type { ApiContext } from '../context.ts';
import { executionsToWire, iso, taskToWire } from '../dto.ts';
import { instantInput } from '../input-guard.ts';
import { errorResponses, noContent } from '../openapi.ts';

const tags = ['tasks'];
const noTask = errorResponses([404, 'No such task (task_not_found)']);
const nameTaken = errorResponses([409, 'Another task has this name (name_taken)']);
const oneTask = (description: string) => ({ 200: ref(TaskResponse, { description }), ...noTask });

const schemas = {
  create: { operationId: 'createTask', tags, summary: 'Create a task', body: TaskBody, response: { 201: ref(TaskResponse, { description: 'The task, as stored' }), ...nameTaken } },
  list: { operationId: 'listTasks', tags, summary: 'List tasks', querystring: TaskListQuery, response: { 200: ref(TaskPage, { description: 'A page of tasks' }) } },
  get: { operationId: 'getTask', tags, summary: 'Get a task', params: IdParams, response: oneTask('The task') },
  update: {
    operationId: 'updateTask',
    tags,
    summary: 'Update a task (fields given replace stored ones)',
    params: IdParams,
    body: TaskBody,
    response: { ...oneTask('The task, as stored now'), ...nameTaken },
  },
  remove: { operationId: 'deleteTask', tags, summary: 'Delete a task (soft delete)', params: IdParams, response: { 204: noContent('Deleted'), ...noTask } },
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
  /** Tasks as answered: each with what may keep it from running now. */
  const toWire = async (list: Task[]) => {
    const warnings = await tasks.warnings(list);
    return list.map((task, index) => ({ ...taskToWire(task), warnings: warnings[index]! }));
  };
  const oneToWire = async (task: Task) => (await toWire([task]))[0]!;

  return async (app) => {
    app.post('/tasks', { schema: schemas.create }, async (request, reply) => {
      const task = await tasks.create(request.body);
      return reply.status(201).send(await oneToWire(task));
    });

    app.get('/tasks', { schema: schemas.list }, async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.page_size ?? 20;
      const { items, total } = await store.tasks.list({ status: request.query.status as never, type: request.query.type, search: request.query.search, tags: [request.query.tag ?? []].flat(), page, pageSize });
      return { items: await toWire(items), total, page, page_size: pageSize };
    });

    app.get('/tasks/:id', { schema: schemas.get }, async (request) => oneToWire(await tasks.get(request.params.id)));

    app.put('/tasks/:id', { schema: schemas.update }, async (request) => {
      const task = await tasks.update(request.params.id, request.body);
      return oneToWire(task);
    });

    app.delete('/tasks/:id', { schema: schemas.remove }, async (request, reply) => {
      await tasks.remove(request.params.id);
      return reply.status(204).send();
    });

    app.post('/tasks/:id/pause', { schema: schemas.pause }, async (request) => oneToWire(await tasks.pause(request.params.id)));
    app.post('/tasks/:id/resume', { schema: schemas.resume }, async (request) => oneToWire(await tasks.resume(request.params.id)));

    const emptyBodyIsEmptyObject = async (request: { body: unknown }) => {
      if (request.body === undefined) request.body = {}; // `curl -X POST …/trigger` with no body means "no overrides"; a JSON null is refused
    };
    app.post('/tasks/:id/trigger', { schema: schemas.trigger, preValidation: emptyBodyIsEmptyObject }, async (request, reply) => {
      const execution = await tasks.trigger(request.params.id, request.body?.parameters ?? {});
      const [wire] = await executionsToWire(store, [execution]);
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
  if (value === null || value === undefined) throw new CronfleetError(`${what}_not_found`, `no ${what} with id '${id}'`, { id });
  return value;
}
