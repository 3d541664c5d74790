// The web UI: static files served at `/` by every instance.
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const webRoot = fileURLToPath(new URL('../../web/public/', import.meta.url));

export async function registerWebUi(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: ['index.html'] });
}
