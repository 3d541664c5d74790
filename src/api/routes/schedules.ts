import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { nextFires, parseSchedule } from '../../domain/schedule.ts';
import { PreviewBody } from '../../protocol/rest-schemas.ts';
import type { ApiContext } from '../context.ts';
import { iso } from '../dto.ts';

export function scheduleRoutes(context: ApiContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/schedules/preview', { schema: { tags: ['schedules'], summary: 'Next fire times of an unsaved expression', body: PreviewBody } }, async (request) => {
      const timezone = request.body.timezone ?? 'UTC';
      const schedule = parseSchedule(request.body.cron_expression, timezone);
      const from = request.body.from ? Date.parse(request.body.from) : context.clock.now();
      return { fires: nextFires(schedule, from, request.body.count ?? 10).map(iso), timezone };
    });
  };
}
