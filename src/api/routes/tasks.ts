import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EARLIEST_INSTANT, nextFires, parseSchedule } from '../../domain/schedule.ts';
import { CronfleetError } from '../../protocol/errors.ts';
import { IdParams, NextFiresQuery, TaskBody, TaskListQuery, TriggerBody } from '../../protocol/rest-schemas.ts';
import type { ApiContext } from '../context.ts';
import { executionsToWire, iso, taskToWire } from '../dto.ts';
import { instantInput } from '../input-guard.ts';

export function taskRoutes(context: ApiContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['tasks'];
    app.post('/tasks', { schema: { tags, summary: 'Create a task', body: TaskBody } }, async (request, reply) => {
      const task = await context.tasks.create(request.body);
      return reply.status(201).send(taskToWire(task));
    });

    app.get('/tasks', { schema: { tags, summary: 'List tasks', querystring: TaskListQuery } }, async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.page_size ?? 20;
      const { items, total } = await context.store.tasks.list({ status: request.query.status as never, type: request.query.type, search: request.query.search, tags: [request.query.tag ?? []].flat(), page, pageSize });
      return { items: items.map(taskToWire), total, page, page_size: pageSize };
    });

    app.get('/tasks/:id', { schema: { tags, summary: 'Get a task', params: IdParams } }, async (request) => taskToWire(await context.tasks.get(request.params.id)));

    app.put('/tasks/:id', { schema: { tags, summary: 'Update a task (fields given replace stored ones)', params: IdParams, body: TaskBody } }, async (request) =>
      taskToWire(await context.tasks.update(request.params.id, request.body)),
    );

    app.delete('/tasks/:id', { schema: { tags, summary: 'Delete a task (soft delete)', params: IdParams } }, async (request, reply) => {
      await context.tasks.remove(request.params.id);
      return reply.status(204).send();
    });

    app.post('/tasks/:id/pause', { schema: { tags, summary: 'Pause a task', params: IdParams } }, async (request) => taskToWire(await context.tasks.pause(request.params.id)));
    app.post('/tasks/:id/resume', { schema: { tags, summary: 'Resume a task', params: IdParams } }, async (request) => taskToWire(await context.tasks.resume(request.params.id)));

    const emptyBodyIsEmptyObject = async (request: { body: unknown }) => {
      request.body ??= {}; // `curl -X POST …/trigger` with no body means "no overrides"
    };
    app.post('/tasks/:id/trigger', { schema: { tags, summary: 'Run a task now, with parameters merged over its own ({"secret":"<value>"} marks a secret override; {"secret":true} keeps the stored one)', params: IdParams, body: TriggerBody }, preValidation: emptyBodyIsEmptyObject }, async (request, reply) => {
      const execution = await context.tasks.trigger(request.params.id, request.body?.parameters ?? {});
      const [wire] = await executionsToWire(context.store, [execution]);
      return reply.status(202).send(wire);
    });

    app.get('/tasks/:id/next-fires', { schema: { tags, summary: "Preview a task's next fire times", params: IdParams, querystring: NextFiresQuery } }, async (request) => {
      const task = await context.tasks.get(request.params.id);
      if (task.cronExpression === null) return { fires: [], timezone: task.timezone };
      const from = instantInput(request.query.from, 'querystring', 'from', EARLIEST_INSTANT) ?? context.clock.now();
      const schedule = parseSchedule(task.cronExpression, task.timezone);
      return { fires: nextFires(schedule, from, request.query.count ?? 10).map(iso), timezone: task.timezone };
    });
  };
}

export function assertFound<T>(value: T | null | undefined, what: 'task' | 'execution', id: string): T {
  if (value === null || value === undefined) throw new CronfleetError(`${what}_not_found`, `no ${what} with id '${id}'`, { id });
  return value;
}
