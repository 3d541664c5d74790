// Request and response schemas of the alerting API (README "Alerts"): channels.
import { Type, type Static } from 'typebox';
import { channelLocales, channelTypes } from './enums.ts';
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

/** The alerting API's named schemas, registered with the rest (api/openapi.ts). */
export const alertResponseSchemas: readonly Named[] = [ChannelResponse, ChannelPage, ChannelTestResponse];
