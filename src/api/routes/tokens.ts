// API tokens: for scripts, CI and the CLI. A token's role is at most its creator's;
// operators see and revoke their own tokens, admins everyone's.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { newId } from '../../domain/ids.ts';
import { CronfleetError } from '../../protocol/errors.ts';
import { text } from '../../protocol/messages/index.ts';
import { ApiTokenPage, CreatedApiTokenResponse, ref } from '../../protocol/rest-responses.ts';
import { IdParams } from '../../protocol/rest-schemas.ts';
import { roleAtLeast, roles, type Role } from '../access.ts';
import { principalOf } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { errorResponses, noContent } from '../openapi.ts';
import { apiTokenToWire } from '../security-dto.ts';

const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, description: 'what the token is for, e.g. "ci-deploy"' }),
    role: Type.String({ enum: [...roles], description: 'at most your own role' }),
    expires_in_seconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 10 * 365 * 86_400 })),
  },
  { additionalProperties: false },
);

const tags = ['tokens'];

const schemas = {
  list: {
    operationId: 'listApiTokens',
    tags,
    summary: 'List API tokens (never their secrets): all for admins, your own otherwise',
    response: { 200: ref(ApiTokenPage, { description: 'The tokens, as page 1' }) },
  },
  create: {
    operationId: 'createApiToken',
    tags,
    summary: 'Create an API token (the secret is returned only now)',
    body: CreateTokenBody,
    response: { 201: ref(CreatedApiTokenResponse, { description: 'The token, with its secret' }), ...errorResponses([403, 'The role is above your own, or your role may not create tokens (forbidden)']) },
  },
  revoke: {
    operationId: 'revokeApiToken',
    tags,
    summary: 'Revoke an API token',
    params: IdParams,
    response: { 204: noContent('Revoked'), ...errorResponses([404, 'No such token that you may see (not_found)'], [409, 'It is already revoked (invalid_state)']) },
  },
};

export function tokenRoutes({ store, clock }: Pick<ApiContext, 'store' | 'clock'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/tokens', { schema: schemas.list }, async (request) => {
      const principal = principalOf(request);
      const tokens = principal.role === 'admin' ? await store.apiTokens.list() : principal.userId ? await store.apiTokens.list(principal.userId) : [];
      const items = tokens.map(apiTokenToWire);
      return { items, total: items.length, page: 1, page_size: items.length };
    });

    app.post('/tokens', { schema: schemas.create }, async (request, reply) => {
      const principal = principalOf(request);
      const role = request.body.role as Role;
      if (!roleAtLeast(principal.role, role)) throw new CronfleetError('forbidden', text('token.roleTooHigh', { role: principal.role, wanted: role }), { field: 'role' });
      const now = clock.now();
      const { token, secret } = await store.apiTokens.create({
        id: newId(now),
        name: request.body.name,
        role,
        userId: principal.userId,
        createdBy: principal.actor,
        createdAt: now,
        expiresAt: request.body.expires_in_seconds ? now + request.body.expires_in_seconds * 1000 : null,
      });
      return reply.status(201).send({ ...apiTokenToWire(token), token: secret });
    });

    app.delete('/tokens/:id', { schema: schemas.revoke }, async (request, reply) => {
      const principal = principalOf(request);
      const token = await store.apiTokens.get(request.params.id);
      const mine = token !== null && token.userId !== null && token.userId === principal.userId;
      if (!token || (principal.role !== 'admin' && !mine)) throw new CronfleetError('not_found', text('notFound.apiToken', { id: request.params.id }), { id: request.params.id });
      if (!(await store.apiTokens.revoke(token.id, clock.now()))) {
        throw new CronfleetError('invalid_state', text('token.revoked', { id: token.id }), { id: token.id });
      }
      return reply.status(204).send();
    });
  };
}
