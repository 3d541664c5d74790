import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AuditEntryPage, ref } from '../../protocol/rest-responses.ts';
import { Pagination } from '../../protocol/rest-schemas.ts';
import type { ApiContext } from '../context.ts';
import { auditEntryToWire } from '../security-dto.ts';

const AuditQuery = Type.Object({
  ...Pagination,
  actor: Type.Optional(Type.String({ maxLength: 255, description: 'e.g. user:alice, token:ci, admin-token' })),
  action: Type.Optional(Type.String({ maxLength: 255, description: 'e.g. task.update' })),
  resource_type: Type.Optional(Type.String({ maxLength: 64 })),
  resource_id: Type.Optional(Type.String({ maxLength: 64 })),
});

const schema = {
  operationId: 'listAuditEntries',
  tags: ['audit'],
  summary: 'The audit log, newest first: who changed what, when, before and after',
  querystring: AuditQuery,
  response: { 200: ref(AuditEntryPage, { description: 'A page of audit entries' }) },
};

export function auditRoutes({ store }: Pick<ApiContext, 'store'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/audit', { schema }, async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.page_size ?? 20;
      const { items, total } = await store.audit.list({
        actor: request.query.actor,
        action: request.query.action,
        resourceType: request.query.resource_type,
        resourceId: request.query.resource_id,
        page,
        pageSize,
      });
      return { items: items.map(auditEntryToWire), total, page, page_size: pageSize };
    });
  };
}
