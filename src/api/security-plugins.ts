// Cookies, security headers, CORS (off unless origins are configured) and rate limits.
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from './context.ts';

export async function registerSecurityPlugins(app: FastifyInstance, context: ApiContext): Promise<void> {
  const { security } = context;
  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
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
    hsts: context.tls !== null,
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
    allowList: (request) => !request.url.startsWith('/api/'),
  });
}
