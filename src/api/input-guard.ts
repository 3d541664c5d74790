// Text with a NUL character cannot be stored by PostgreSQL (and is never meaningful in
// an id, a name or a setting), so it is refused up front with a 400 that names where.
import type { FastifyInstance } from 'fastify';
import { CronfleetError } from '../protocol/errors.ts';

export function refuseNulText(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const [location, value] of [['path', request.params], ['querystring', request.query], ['body', request.body]] as const) {
      const field = nulField(value, '', 0);
      if (field !== null) {
        throw new CronfleetError('invalid_request', `${location}: ${field || 'the value'} contains a NUL character`, { location, field: field || null });
      }
    }
  });
}

/** The dotted path of the first string holding a NUL, '' for the value itself, null for none. */
function nulField(value: unknown, path: string, depth: number): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path : null;
  if (value === null || typeof value !== 'object' || depth > 64) return null;
  for (const [key, item] of Object.entries(value)) {
    const child = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return child;
    const found = nulField(item, child, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
