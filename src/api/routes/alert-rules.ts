// Alert rules and the alert history (README "Alerts"): admins write rules, everyone reads.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Alerting } from '../../alerts/alerting.ts';
import type { Clock } from '../../domain/clock.ts';
import { newId } from '../../domain/ids.ts';
import { AlertPage, AlertQuery, AlertRuleBody, AlertRulePage, AlertRuleResponse, type AlertResponse } from '../../protocol/alert-schemas.ts';
import { CronfleetError } from '../../protocol/errors.ts';
import { text } from '../../protocol/messages/index.ts';
import { ref } from '../../protocol/rest-responses.ts';
import { IdParams } from '../../protocol/rest-schemas.ts';
import type { AlertRule, NamedAlert, RuleFields } from '../../store/alerts.ts';
import type { Store } from '../../store/store.ts';
import { iso } from '../dto.ts';
import { errorResponses, noContent } from '../openapi.ts';

const tags = ['alerts'];
const notFound: [404, string] = [404, 'No alert rule with this id (not_found)'];

const schemas = {
  create: {
    operationId: 'createAlertRule',
    tags,
    summary: 'Create an alert rule',
    body: AlertRuleBody,
    response: { 201: ref(AlertRuleResponse, { description: 'The rule' }), ...errorResponses([400, 'A field is wrong; details.field names it']) },
  },
  list: { operationId: 'listAlertRules', tags, summary: 'List alert rules', response: { 200: ref(AlertRulePage, { description: 'Every rule, as page 1' }) } },
  get: { operationId: 'getAlertRule', tags, summary: 'One alert rule', params: IdParams, response: { 200: ref(AlertRuleResponse, { description: 'The rule' }), ...errorResponses(notFound) } },
  update: {
    operationId: 'updateAlertRule',
    tags,
    summary: 'Replace an alert rule',
    params: IdParams,
    body: AlertRuleBody,
    response: { 200: ref(AlertRuleResponse, { description: 'The rule' }), ...errorResponses([400, 'A field is wrong'], notFound) },
  },
  delete: { operationId: 'deleteAlertRule', tags, summary: 'Delete an alert rule (its alerts stay in the history)', params: IdParams, response: { 204: noContent('Deleted'), ...errorResponses(notFound) } },
  alerts: { operationId: 'listAlerts', tags, summary: 'The alert history, newest first', querystring: AlertQuery, response: { 200: ref(AlertPage, { description: 'A page of alerts' }) } },
};

export function alertRuleToWire(rule: AlertRule): AlertRuleResponse {
  return {
    id: rule.id,
    name: rule.name,
    enabled: rule.enabled,
    events: rule.events,
    task_ids: rule.taskIds,
    tags: rule.tags,
    channel_ids: rule.channelIds,
    consecutive_failures: rule.consecutiveFailures,
    no_success_seconds: rule.noSuccessSeconds,
    throttle_seconds: rule.throttleSeconds,
    muted_until: iso(rule.mutedUntil),
    created_at: iso(rule.createdAt),
    updated_at: iso(rule.updatedAt),
  };
}

function alertToWire(alert: NamedAlert): AlertResponse {
  return {
    id: alert.id,
    rule_id: alert.ruleId,
    channel_id: alert.channelId,
    event: alert.event,
    task_id: alert.taskId,
    task_name: alert.taskName,
    execution_id: alert.executionId,
    executor_id: alert.executorId,
    executor_name: alert.executorName,
    status: alert.status,
    attempts: alert.attempts,
    response_status: alert.responseStatus,
    response: alert.response,
    created_at: iso(alert.createdAt),
    sent_at: iso(alert.sentAt),
  };
}

const invalid = (field: string, message: ReturnType<typeof text>) => new CronfleetError('invalid_request', message, { field });

/** A rule's fields from a request: every channel and task it names exists, each event has what it needs. */
async function ruleFields(store: Store, body: AlertRuleBody): Promise<RuleFields> {
  for (const id of body.channel_ids) if (!(await store.alertChannels.get(id))) throw invalid('channel_ids', text('alertRule.channelMissing', { id }));
  for (const id of body.task_ids ?? []) if (!(await store.tasks.getIncludingDeleted(id))) throw invalid('task_ids', text('alertRule.taskMissing', { id }));
  const streak = body.events.includes('consecutive_failures') ? (body.consecutive_failures ?? null) : null;
  if (body.events.includes('consecutive_failures') && streak === null) throw invalid('consecutive_failures', text('alertRule.needsCount'));
  const silence = body.events.includes('no_success') ? (body.no_success_seconds ?? null) : null;
  if (body.events.includes('no_success') && silence === null) throw invalid('no_success_seconds', text('alertRule.needsSeconds'));
  return {
    name: body.name,
    enabled: body.enabled ?? true,
    events: body.events,
    taskIds: body.task_ids ?? [],
    tags: body.tags ?? [],
    channelIds: body.channel_ids,
    consecutiveFailures: streak,
    noSuccessSeconds: silence,
    throttleSeconds: body.throttle_seconds ?? 3600,
    mutedUntil: body.muted_until ? Date.parse(body.muted_until) : null,
  };
}

export function alertRuleRoutes({ store, clock, alerting }: { store: Store; clock: Clock; alerting: Alerting }): FastifyPluginAsyncTypebox {
  const missing = (id: string) => new CronfleetError('not_found', text('alertRule.notFound', { id }), { id });
  return async (app) => {
    app.post('/alert-rules', { schema: schemas.create }, async (request, reply) => {
      const now = clock.now();
      const rule = await store.alerts.insertRule(newId(now), await ruleFields(store, request.body), now);
      alerting.wake();
      return reply.status(201).send(alertRuleToWire(rule));
    });
    app.get('/alert-rules', { schema: schemas.list }, async () => {
      const items = (await store.alerts.rules()).map(alertRuleToWire);
      return { items, total: items.length, page: 1, page_size: items.length };
    });
    app.get('/alert-rules/:id', { schema: schemas.get }, async (request) => {
      const rule = await store.alerts.rule(request.params.id);
      if (!rule) throw missing(request.params.id);
      return alertRuleToWire(rule);
    });
    app.put('/alert-rules/:id', { schema: schemas.update }, async (request) => {
      if (!(await store.alerts.rule(request.params.id))) throw missing(request.params.id);
      const rule = await store.alerts.updateRule(request.params.id, await ruleFields(store, request.body), clock.now());
      if (!rule) throw missing(request.params.id);
      alerting.wake();
      return alertRuleToWire(rule);
    });
    app.delete('/alert-rules/:id', { schema: schemas.delete }, async (request, reply) => {
      if (!(await store.alerts.deleteRule(request.params.id))) throw missing(request.params.id);
      return reply.status(204).send();
    });
    app.get('/alerts', { schema: schemas.alerts }, async (request) => {
      const { page = 1, page_size: pageSize = 20, rule_id: ruleId, task_id: taskId, status } = request.query;
      const { items, total } = await store.alerts.list({ page, pageSize, ...(ruleId ? { ruleId } : {}), ...(taskId ? { taskId } : {}), ...(status ? { status } : {}) });
      return { items: items.map(alertToWire), total, page, page_size: pageSize };
    });
  };
}
