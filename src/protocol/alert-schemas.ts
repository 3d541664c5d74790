// Request and response schemas of the alerting API (README "Alerts"): channels, rules, alerts.
import { Type, type Static } from 'typebox';
import { alertEvents, alertStatuses, channelLocales, channelTypes } from './enums.ts';
import { Pagination } from './rest-schemas.ts';
import { Instant, named, oneOf, page, type Named } from './rest-responses.ts';

export const ChannelBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: oneOf(channelTypes, { description: 'webhook, email, slack, feishu, dingtalk or wecom; fixed once created' }),
    locale: Type.Optional(oneOf(channelLocales, { description: 'The language of its messages (default en)' })),
    config: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'The type\'s settings (README "Alerts"). Secret fields (webhook_url of slack/feishu/dingtalk/wecom, secret, password) are written as a string or {"secret":"<value>"}, read back as {"secret":true}; send {"secret":true} to keep the stored value',
    }),
  },
  { additionalProperties: false },
);
export type ChannelBody = Static<typeof ChannelBody>;

export const ChannelResponse = named(
  'Channel',
  Type.Object({
    id: Type.String(),
    name: Type.String(),
    type: oneOf(channelTypes),
    locale: oneOf(channelLocales),
    config: Type.Record(Type.String(), Type.Unknown(), { description: 'Settings; every secret field reads {"secret":true}' }),
    created_at: Instant,
    updated_at: Instant,
  }),
);
export type ChannelResponse = Static<typeof ChannelResponse>;

export const ChannelPage = page(ChannelResponse);

export const ChannelTestResponse = named(
  'ChannelTest',
  Type.Object({
    ok: Type.Boolean({ description: 'The receiver accepted the message' }),
    status: Type.Union([Type.Integer(), Type.Null()], { description: 'Its HTTP status or SMTP reply code; null when nothing answered' }),
    response: Type.String({ description: 'What it answered (or why nothing was sent), cut to 2,000 characters' }),
  }),
);
export type ChannelTestResponse = Static<typeof ChannelTestResponse>;

const Ids = (description: string) => Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 1000, uniqueItems: true, description });

export const AlertRuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    events: Type.Array(oneOf(alertEvents), { minItems: 1, uniqueItems: true, description: 'What the rule watches (README "Alerts")' }),
    task_ids: Type.Optional(Ids('Tasks it watches; with tags empty too, every task')),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100, uniqueItems: true, description: 'Tasks with any of these tags' })),
    channel_ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 50, uniqueItems: true, description: 'Where its alerts go' }),
    consecutive_failures: Type.Optional(Type.Union([Type.Integer({ minimum: 2, maximum: 1000 }), Type.Null()], { description: 'For consecutive_failures: how many in a row' })),
    no_success_seconds: Type.Optional(Type.Union([Type.Integer({ minimum: 60, maximum: 31_536_000 }), Type.Null()], { description: 'For no_success: how long without a success' })),
    throttle_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800, default: 3600, description: 'One alert per problem per rule and task within this time (default 3600)' })),
    muted_until: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Alerts before this instant are recorded as suppressed, not sent' })),
  },
  { additionalProperties: false },
);
export type AlertRuleBody = Static<typeof AlertRuleBody>;

export const AlertRuleResponse = named(
  'AlertRule',
  Type.Object({
    id: Type.String(),
    name: Type.String(),
    enabled: Type.Boolean(),
    events: Type.Array(oneOf(alertEvents)),
    task_ids: Type.Array(Type.String()),
    tags: Type.Array(Type.String()),
    channel_ids: Type.Array(Type.String()),
    consecutive_failures: Type.Union([Type.Integer(), Type.Null()]),
    no_success_seconds: Type.Union([Type.Integer(), Type.Null()]),
    throttle_seconds: Type.Integer(),
    muted_until: Instant,
    created_at: Instant,
    updated_at: Instant,
  }),
);
export type AlertRuleResponse = Static<typeof AlertRuleResponse>;

export const AlertRulePage = page(AlertRuleResponse);

const AlertResponse = named(
  'Alert',
  Type.Object({
    id: Type.String(),
    rule_id: Type.String(),
    channel_id: Type.String(),
    event: oneOf(alertEvents),
    task_id: Type.Union([Type.String(), Type.Null()]),
    task_name: Type.Union([Type.String(), Type.Null()], { description: "The task's name (null: about no task)" }),
    execution_id: Type.Union([Type.String(), Type.Null()]),
    executor_id: Type.Union([Type.String(), Type.Null()]),
    executor_name: Type.Union([Type.String(), Type.Null()], { description: "The executor's name (null: about no executor, or one since removed)" }),
    status: oneOf(alertStatuses, { description: 'pending (or waiting for a retry), sending, sent, failed (given up), suppressed (throttled or muted)' }),
    attempts: Type.Integer(),
    response_status: Type.Union([Type.Integer(), Type.Null()], { description: "The receiver's HTTP status or SMTP code at the last attempt" }),
    response: Type.Union([Type.String(), Type.Null()], { description: 'What it answered' }),
    created_at: Instant,
    sent_at: Instant,
  }),
);
export type AlertResponse = Static<typeof AlertResponse>;

export const AlertPage = page(AlertResponse);

export const AlertQuery = Type.Object(
  {
    ...Pagination,
    rule_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    task_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    status: Type.Optional(oneOf(alertStatuses)),
  },
  { additionalProperties: false },
);

/** The alerting API's named schemas, registered with the rest (api/openapi.ts). */
export const alertResponseSchemas: readonly Named[] = [ChannelResponse, ChannelPage, ChannelTestResponse, AlertRuleResponse, AlertRulePage, AlertResponse, AlertPage];
