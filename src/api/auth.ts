// The one auth hook every /api route passes (and /metrics unless configured public).
// Issue-level roles and user logins build on this; today one admin token opens all.
import type { FastifyInstance } from 'fastify';
import { CronfleetError } from '../protocol/errors.ts';
import { tokenMatches } from './admin-token.ts';

/** Routes that check credentials of their own: an HTTP executor's callback secret (routes/executors.ts). */
const selfAuthenticated = new Set(['POST /api/v1/executions/:id/callback']);

export function installAuth(app: FastifyInstance, options: { adminToken: string; metricsPublic: boolean }): void {
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    const protectedPath = path === '/api' || path.startsWith('/api/') || (path === '/metrics' && !options.metricsPublic);
    if (!protectedPath) return;
    // Matched on the route pattern Fastify resolved, not on the raw URL, so no other path can pass for it.
    if (selfAuthenticated.has(`${request.method} ${request.routeOptions.url}`)) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      throw new CronfleetError('unauthorized', 'missing credentials: send the header "Authorization: Bearer <token>"');
    }
    if (!tokenMatches(match[1]!, options.adminToken)) throw new CronfleetError('unauthorized', 'invalid token');
  });
}
