// Notification channels (README "Alerts"), admin only: where alert rules send.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { shownChannelConfig } from '../../alerts/channel-config.ts';
import type { ChannelService } from '../../alerts/channel-service.ts';
import { ChannelBody, ChannelPage, ChannelResponse, ChannelTestResponse } from '../../protocol/alert-schemas.ts';
import { ref } from '../../protocol/rest-responses.ts';
import { IdParams } from '../../protocol/rest-schemas.ts';
import type { AlertChannel } from '../../store/alert-channels.ts';
import { iso } from '../dto.ts';
import { errorResponses, noContent } from '../openapi.ts';

const tags = ['alerts'];
const notFound: [404, string] = [404, 'No channel with this id (not_found)'];

const schemas = {
  create: {
    operationId: 'createChannel',
    tags,
    summary: 'Create a notification channel',
    body: ChannelBody,
    response: { 201: ref(ChannelResponse, { description: 'The channel, its secrets as {"secret":true}' }), ...errorResponses([400, 'A setting is missing or wrong; details.field names it']) },
  },
  list: { operationId: 'listChannels', tags, summary: 'List notification channels', response: { 200: ref(ChannelPage, { description: 'Every channel, as page 1' }) } },
  get: { operationId: 'getChannel', tags, summary: 'One notification channel', params: IdParams, response: { 200: ref(ChannelResponse, { description: 'The channel' }), ...errorResponses(notFound) } },
  update: {
    operationId: 'updateChannel',
    tags,
    summary: 'Replace a channel\'s name, language and settings ({"secret":true} keeps a stored secret; the type stays)',
    params: IdParams,
    body: ChannelBody,
    response: { 200: ref(ChannelResponse, { description: 'The channel' }), ...errorResponses([400, 'A setting is wrong, or the type changed'], notFound) },
  },
  delete: { operationId: 'deleteChannel', tags, summary: 'Delete a notification channel', params: IdParams, response: { 204: noContent('Deleted'), ...errorResponses(notFound) } },
  test: {
    operationId: 'testChannel',
    tags,
    summary: 'Send a test message and answer with what the receiver said',
    params: IdParams,
    response: { 200: ref(ChannelTestResponse, { description: 'Whether the receiver accepted it, and its answer' }), ...errorResponses(notFound) },
  },
};

export function channelToWire(channel: AlertChannel): ChannelResponse {
  return {
    id: channel.id,
    name: channel.name,
    type: channel.type,
    locale: channel.locale,
    config: shownChannelConfig(channel.config),
    created_at: iso(channel.createdAt),
    updated_at: iso(channel.updatedAt),
  };
}

export function channelRoutes({ channels }: { channels: ChannelService }): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/channels', { schema: schemas.create }, async (request, reply) => reply.status(201).send(channelToWire(await channels.create(request.body))));
    app.get('/channels', { schema: schemas.list }, async () => {
      const items = (await channels.list()).map(channelToWire);
      return { items, total: items.length, page: 1, page_size: items.length };
    });
    app.get('/channels/:id', { schema: schemas.get }, async (request) => channelToWire(await channels.get(request.params.id)));
    app.put('/channels/:id', { schema: schemas.update }, async (request) => channelToWire(await channels.update(request.params.id, request.body)));
    app.delete('/channels/:id', { schema: schemas.delete }, async (request, reply) => {
      await channels.delete(request.params.id);
      return reply.status(204).send();
    });
    app.post('/channels/:id/test', { schema: schemas.test }, async (request) => channels.test(request.params.id));
  };
}
