// What no route accepts, refused once for all of them with a 400 that names where:
// - JSON nested deeper than MAX_JSON_DEPTH: checked on the text before it is parsed, so
//   nothing recursive (validation, secret walks, audit diffs) ever sees a deep value;
// - text with a NUL character: PostgreSQL cannot store it, and it is never meaningful in
//   an id, a name or a setting;
// - text with a lone UTF-16 surrogate (JSON allows "\ud800"): it is not Unicode, so
//   PostgreSQL would silently store U+FFFD and MariaDB would refuse or mangle it.
// Text checks cover path params, query strings and JSON bodies, keys and values at any depth.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LATEST_INSTANT } from '../domain/schedule.ts';
import { CronfleetError } from '../protocol/errors.ts';

/** Deep enough for any real task, parameters or result; 2,000 levels reached the stack. */
const MAX_JSON_DEPTH = 64;

type Location = 'path' | 'querystring' | 'body';

/** Installs every guard above, for all routes (named for the first of them, the NUL guard). */
export function refuseNulText(app: FastifyInstance): void {
  // Fastify's own JSON parser (prototype-poisoning checks and all), behind a depth check.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const depth = jsonDepthOver(body as string, MAX_JSON_DEPTH);
    if (depth !== null) {
      done(tooDeep(depth), undefined);
      return;
    }
    // Fastify's default parser is synchronous and reports through `done`; its type merely allows a promise.
    void parseJson(request, body as string, done);
  });
  app.addHook('preValidation', async (request) => {
    for (const [location, value] of [
      ['path', request.params],
      ['querystring', request.query],
      ['body', request.body],
    ] as const)
      assertCleanText(location, value);
  });
}

/**
 * Fastify's own answers before any route matched (a path that does not percent-decode to
 * UTF-8, a path segment over the router's maxParamLength), in the API's error shape: the
 * Fastify constructor's `frameworkErrors` option.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const problem = error.code === 'FST_ERR_BAD_URL' ? 'the path is not valid percent-encoded UTF-8' : error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path segment is too long' : null;
  if (problem === null) {
    reply.log.error({ err: error }, 'router error');
    void reply.status(500).send(new CronfleetError('internal', 'internal server error').toBody());
    return;
  }
  void reply.status(400).send(new CronfleetError('invalid_request', `path: ${problem}`, { location: 'path', field: null }).toBody());
}

/**
 * JSON text parsed under the same rules, for a route with its own body parser (the signed
 * executor callback reads its raw bytes first): depth, then NUL and lone surrogates.
 */
export function parseCheckedJson(text: string): unknown {
  const depth = jsonDepthOver(text, MAX_JSON_DEPTH);
  if (depth !== null) throw tooDeep(depth);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CronfleetError('invalid_request', 'body: the body is not valid JSON', { location: 'body', field: null });
  }
  assertCleanText('body', value);
  return value;
}

/** Throws a 400 naming the first text (key or value) with a NUL or a lone surrogate, or a value nested too deep. */
function assertCleanText(location: Location, value: unknown): void {
  const found = badText(value, '', 0);
  if (found === null) return;
  const where = found.field || 'the value';
  throw new CronfleetError('invalid_request', `${location}: ${where} ${found.problem}`, { location, field: found.field || null });
}

/** The dotted path of the first bad text and what is wrong with it ('' for the value itself), null for none. */
function badText(value: unknown, path: string, depth: number): { field: string; problem: string } | null {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem === null ? null : { field: path, problem };
  }
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return null;
  // Only a body that skipped the JSON parser above (a plugin's own parser) can get here.
  if (depth > MAX_JSON_DEPTH) return { field: path, problem: `is nested deeper than ${MAX_JSON_DEPTH} levels` };
  for (const [key, item] of Object.entries(value)) {
    const child = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    const keyProblem = textProblem(key);
    if (keyProblem !== null) return { field: child, problem: keyProblem.replace('contains', 'has a name that contains') };
    const found = badText(item, child, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character';
  // In a /u pattern a well-formed pair is one code point; only a lone half is \p{Cs}.
  if (/\p{Cs}/u.test(text)) return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  return null;
}

function tooDeep(depth: number): CronfleetError {
  return new CronfleetError('invalid_request', `body: JSON nested deeper than ${MAX_JSON_DEPTH} levels (at ${depth})`, { location: 'body', field: null, max_depth: MAX_JSON_DEPTH });
}

/** The depth at which `text` first nests deeper than `max` (strings skipped), or null. */
function jsonDepthOver(text: string, max: number): number | null {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c)
        index++; // backslash: the next character is escaped
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) {
      if (++depth > max) return depth;
    } else if (char === 0x7d || char === 0x5d) depth--;
  }
  return null;
}

/** The earliest instant a filter may name: 0000-01-01T00:00:00Z (four-digit years only). */
const EARLIEST_FILTER_INSTANT = Date.parse('0000-01-01T00:00:00.000Z');

/**
 * An ISO 8601 instant from a request, in epoch ms, within [earliest, 9999-12-31]; a 400
 * naming the field otherwise.
 */
export function instantInput(text: string | undefined, location: Location, field: string, earliest = EARLIEST_FILTER_INSTANT): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(ms)) {
    throw new CronfleetError('invalid_request', `${location}: ${field} must be an ISO 8601 instant like 2026-11-22T08:00:00Z, not '${text}'`, { location, field });
  }
  if (ms < earliest || ms > LATEST_INSTANT) {
    throw new CronfleetError('invalid_request', `${location}: ${field} must be between ${new Date(earliest).toISOString()} and ${new Date(LATEST_INSTANT).toISOString()}, not '${text}'`, { location, field });
  }
  return ms;
}
