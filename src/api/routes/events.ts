// GET /api/v1/events: the Server-Sent Events stream of what changes in the cluster. The
// feed behind it (what is read, when, and how it reaches each stream) is ../change-feed.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ChangeFeed, type ChangeFeedDeps } from '../change-feed.ts';

const schema = {
  operationId: 'streamEvents',
  tags: ['system'],
  summary: 'Live events (text/event-stream): execution, task, executor, leader',
  response: {
    200: {
      description:
        'Server-Sent Events: ready {instance_id, leader} once, then as things change execution {id, task_id, status, executor_id, workflow_run_id (the workflow run it is a step of, or null)}, task {id, name, status, change}, executor {id, name, status, healthy} and leader {instance_id}; a comment every 15 s',
      content: { 'text/event-stream': { schema: Type.String() } },
    },
  },
};

export function eventRoutes(deps: ChangeFeedDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    const feed = new ChangeFeed(deps, app.log);
    // Before the server stops accepting: end every stream so close() does not wait on them.
    app.addHook('preClose', async () => feed.close());

    app.get('/events', { schema }, async (request, reply) => {
      reply.hijack();
      await feed.stream(request.raw, reply.raw);
    });
  };
}
