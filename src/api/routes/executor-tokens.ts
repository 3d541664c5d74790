import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { newId } from '../../domain/ids.ts';
import { CronfleetError } from '../../protocol/errors.ts';
import { text } from '../../protocol/messages/index.ts';
import { CreatedExecutorTokenResponse, ExecutorTokenPage, ref, type ExecutorTokenResponse } from '../../protocol/rest-responses.ts';
import { IdParams } from '../../protocol/rest-schemas.ts';
import type { ExecutorToken } from '../../store/executor-tokens.ts';
import { principalOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { iso } from '../dto.ts';
import { errorResponses, noContent } from '../openapi.ts';

const CreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, description: 'what the token is for, e.g. the host it enrolls' }),
    expires_in_seconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 10 * 365 * 86_400 })),
  },
  { additionalProperties: false },
);

const tags = ['executors'];

const schemas = {
  create: {
    operationId: 'createExecutorToken',
    tags,
    summary: 'Create an executor enrollment token (the secret is returned only now)',
    body: CreateBody,
    response: { 201: ref(CreatedExecutorTokenResponse, { description: 'The token, with its secret' }) },
  },
  list: { operationId: 'listExecutorTokens', tags, summary: 'List executor tokens (never their secrets)', response: { 200: ref(ExecutorTokenPage, { description: 'Every executor token, as page 1' }) } },
  revoke: {
    operationId: 'revokeExecutorToken',
    tags,
    summary: 'Revoke an executor token',
    params: IdParams,
    response: { 204: noContent('Revoked'), ...errorResponses([404, 'No active executor token with this id (not_found)']) },
  },
};

function toWire(token: ExecutorToken): ExecutorTokenResponse {
  return {
    id: token.id,
    name: token.name,
    created_at: iso(token.createdAt),
    expires_at: iso(token.expiresAt),
    revoked_at: iso(token.revokedAt),
    last_used_at: iso(token.lastUsedAt),
    created_by: token.createdBy,
  };
}

export function executorTokenRoutes({ store }: Pick<ApiContext, 'store'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/executor-tokens', { schema: schemas.create }, async (request, reply) => {
      const now = Date.now();
      const expiresAt = request.body.expires_in_seconds ? now + request.body.expires_in_seconds * 1000 : null;
      const { token, secret } = await store.executorTokens.create(newId(now), request.body.name, expiresAt, now, principalOf(request).userId);
      return reply.status(201).send({ ...toWire(token), token: secret });
    });
    app.get('/executor-tokens', { schema: schemas.list }, async () => {
      const items = (await store.executorTokens.list()).map(toWire);
      return { items, total: items.length, page: 1, page_size: items.length };
    });
    app.delete('/executor-tokens/:id', { schema: schemas.revoke }, async (request, reply) => {
      if (!(await store.executorTokens.revoke(request.params.id, Date.now()))) {
        throw new CronfleetError('not_found', text('notFound.executorToken', { id: request.params.id }), { id: request.params.id });
      }
      return reply.status(204).send();
    });
  };
}
