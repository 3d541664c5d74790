import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EARLIEST_INSTANT, nextFires, validateSchedule } from '../../domain/schedule.ts';
import { FireTimesResponse, ref } from '../../protocol/rest-responses.ts';
import { PreviewBody } from '../../protocol/rest-schemas.ts';
import type { ApiContext } from '../context.ts';
import { iso } from '../dto.ts';
import { instantInput } from '../input-guard.ts';

const schema = {
  operationId: 'previewSchedule',
  tags: ['schedules'],
  summary: 'Next fire times of an unsaved expression',
  body: PreviewBody,
  response: { 200: ref(FireTimesResponse, { description: 'The next fire times' }) },
};

export function scheduleRoutes({ clock }: Pick<ApiContext, 'clock'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/schedules/preview', { schema }, async (request) => {
      const timezone = request.body.timezone ?? 'UTC';
      const from = instantInput(request.body.from, 'body', 'from', EARLIEST_INSTANT) ?? clock.now();
      // A schedule with no fire left (`0 0 1 1 * 2001`, or a `from` near year 9999) is a 400 saying so.
      const schedule = validateSchedule(request.body.cron_expression, timezone, from);
      return { fires: nextFires(schedule, from, request.body.count ?? 10).map(iso), timezone };
    });
  };
}
