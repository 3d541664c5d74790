// POST /tasks/{id}/stop: stops every pending and running execution of a task, as
// POST /executions/{id}/stop does for one (the dispatcher owns each stop). An execution
// that ends while the stop goes round is left out of the answer, never an error.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ref, TaskStopResponse } from '../../protocol/rest-responses.ts';
import { IdParams, StopBody } from '../../protocol/rest-schemas.ts';
import type { ApiContext } from '../context.ts';
import { errorResponses } from '../openapi.ts';
import { optionalJsonBody } from './executions.ts';
import { assertFound } from './tasks.ts';

const schema = {
  operationId: 'stopTask',
  tags: ['tasks'],
  summary: 'Stop every pending and running execution of a task',
  description:
    'Pending executions are cancelled at once; running ones get SIGTERM on their whole process group, then SIGKILL after the grace period, or with {"force":true} SIGKILL at once. They end as cancelled. The task keeps its schedule (pause it to stop new fires). No body means {"force":false}.',
  params: IdParams,
  body: StopBody,
  response: {
    202: ref(TaskStopResponse, { description: 'The executions the stop reached' }),
    ...errorResponses([404, 'No such task (task_not_found)']),
  },
};

export function taskStopRoutes({ store, dispatcher }: Pick<ApiContext, 'store' | 'dispatcher'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/tasks/:id/stop', { schema, ...optionalJsonBody }, async (request, reply) => {
      const task = assertFound(await store.tasks.get(request.params.id), 'task', request.params.id);
      const force = request.body?.force === true;
      const stopped: string[] = [];
      for (const { id } of await store.executions.active([task.id])) {
        // Read again: `active` has no executor-side detail, and the run may have moved on.
        const execution = await store.executions.get(id);
        if (execution && (await dispatcher.stopExecution(execution, force))) stopped.push(id);
      }
      return reply.status(202).send({ task_id: task.id, force, stopped });
    });
  };
}
