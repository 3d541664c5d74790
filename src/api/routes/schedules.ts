import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EARLIEST_INSTANT, nextFires, parseDialect, validateSchedule } from '../../domain/schedule.ts';
import { describeSchedule, pickLocale } from '../../domain/schedule-description.ts';
import { SchedulePreviewResponse, ref } from '../../protocol/rest-responses.ts';
import { PreviewBody } from '../../protocol/rest-schemas.ts';
import type { ApiContext } from '../context.ts';
import { iso } from '../dto.ts';
import { instantInput } from '../input-guard.ts';

const schema = {
  operationId: 'previewSchedule',
  tags: ['schedules'],
  summary: 'Next fire times of an unsaved expression, and the expression in words',
  body: PreviewBody,
  response: { 200: ref(SchedulePreviewResponse, { description: 'The next fire times and the description' }) },
};

export function scheduleRoutes({ clock }: Pick<ApiContext, 'clock'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/schedules/preview', { schema }, async (request) => {
      const timezone = request.body.timezone ?? 'UTC';
      const from = instantInput(request.body.from, 'body', 'from', EARLIEST_INSTANT) ?? clock.now();
      // A schedule with no fire left (`0 0 1 1 * 2001`, or a `from` near year 9999) is a 400 saying so.
      const dialect = parseDialect(request.body.cron_dialect);
      const schedule = validateSchedule(request.body.cron_expression, timezone, from, dialect);
      const locale = pickLocale(request.body.locale, request.headers['accept-language']);
      return {
        fires: nextFires(schedule, from, request.body.count ?? 10).map(iso),
        timezone,
        cron_dialect: dialect,
        description: describeSchedule(request.body.cron_expression, dialect, locale),
      };
    });
  };
}
