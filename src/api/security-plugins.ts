// Every route's access (first, so the routes plugins add are covered too), cookies,
// security headers, CORS (off unless origins are configured) and rate limits.
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { attachRouteAccess } from './access.ts';
import type { ApiContext } from './context.ts';

export async function registerSecurityPlugins(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { security } = context;
  // Before any plugin below registers a route (CORS adds OPTIONS *): an onRoute hook only
  // sees the routes added after it, and a route without its access would be refused.
  attachRouteAccess(app, { metricsPublic: context.metricsPublic });
  await app.register(fastifyCookie);
  // On the raw response, so streams written to it directly (server-sent events) carry them too.
  const headers = Object.entries(securityHeaders(context.tls !== null));
  app.addHook('onRequest', async (_request, reply) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
  });
  if (security.corsOrigins.length > 0) {
    await app.register(fastifyCors, { origin: [...security.corsOrigins], credentials: true, allowedHeaders: ['authorization', 'content-type', 'x-csrf-token'] });
  }
  // Per caller (token or user) once signed in, else per address. Runs after auth, so a
  // flood without credentials is refused without touching the limiter.
  await app.register(fastifyRateLimit, {
    global: security.rateLimitPerMinute > 0,
    max: security.rateLimitPerMinute || 1,
    timeWindow: 60_000,
    hook: 'preHandler',
    keyGenerator: (request) => (request.principal ? `${request.principal.kind}:${request.principal.id ?? 'admin'}` : request.ip),
    // The API's routes are limited, keyed on the route the router matched: the URL text
    // can be spelled so that it does not look like /api (/%61pi/…) and still reach one.
    allowList: (request) => !(request.routeOptions.url ?? '').startsWith('/api/'),
  });
}

/**
 * Helmet's headers (a content security policy for the console among them), worked out
 * once: they are the same for every response (no nonces), and building them per request
 * cost about 1 % of a busy server's time.
 */
function securityHeaders(https: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  const collect = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  const apply = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // The component library sets inline styles.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    // HSTS only means something over HTTPS.
    strictTransportSecurity: https,
  });
  // Helmet throws a configuration error itself; `next` has nothing to do.
  apply({} as IncomingMessage, collect as unknown as ServerResponse, () => {});
  return headers;
}
