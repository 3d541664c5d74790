// An instance started with `--role scheduler` serves only what executors and probes use:
// the executor socket, HTTP executors' registration and callbacks, health, readiness and
// metrics. Everything else (the REST API, the console) answers 404 saying where to go.
// Decided on the route that matched, never on the URL's text.
import type { FastifyInstance } from 'fastify';
import { CronfleetError } from '../protocol/errors.ts';
import { EXECUTOR_SOCKET_PATH } from './executor-socket.ts';

const schedulerRoutes = new Set(['GET /healthz', 'GET /health', 'GET /readyz', 'GET /metrics', `GET ${EXECUTOR_SOCKET_PATH}`, 'POST /api/v1/executors/register', 'POST /api/v1/executions/:id/callback']);

export function serveSchedulerRoleOnly(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url === undefined ? null : `${request.method} ${request.routeOptions.url}`;
    if (route !== null && schedulerRoutes.has(route)) return;
    throw new CronfleetError('not_found', 'this instance runs with role scheduler: it serves executors, probes and metrics only; use an instance with role api or all for the API and the console', { role: 'scheduler' });
  });
}
