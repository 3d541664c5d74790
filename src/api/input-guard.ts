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
import { text, type LocalizedText } from '../protocol/messages/index.ts';
import { messageLocale } from './errors.ts';

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
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = error.code === 'FST_ERR_BAD_URL' ? text('request.badPath') : error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? text('request.longPathSegment') : null;
  if (problem === null) {
    reply.log.error({ err: error }, 'router error');
    void reply.status(500).send(new CronfleetError('internal', text('server.internal')).toBody(messageLocale(request)));
    return;
  }
  void reply.status(400).send(new CronfleetError('invalid_request', problem, { location: 'path', field: null }).toBody(messageLocale(request)));
}

/**
 * JSON text parsed under the same rules, for a route with its own body parser (the signed
 * executor callback reads its raw bytes first): depth, then NUL and lone surrogates.
 */
export function parseCheckedJson(json: string): unknown {
  const depth = jsonDepthOver(json, MAX_JSON_DEPTH);
  if (depth !== null) throw tooDeep(depth);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new CronfleetError('invalid_request', text('request.notJson'), { location: 'body', field: null });
  }
  assertCleanText('body', value);
  return value;
}

/** Throws a 400 naming the first text (key or value) with a NUL or a lone surrogate, or a value nested too deep. */
function assertCleanText(location: Location, value: unknown): void {
  const found = badText(value, '', 0);
  if (found === null) return;
  const where = found.field || text('request.theValue');
  throw new CronfleetError('invalid_request', text('request.badText', { location, where, problem: found.problem }), { location, field: found.field || null });
}

/** The dotted path of the first bad text and what is wrong with it ('' for the value itself), null for none. */
function badText(value: unknown, path: string, depth: number): { field: string; problem: LocalizedText } | null {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem === null ? null : { field: path, problem };
  }
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return null;
  // Only a body that skipped the JSON parser above (a plugin's own parser) can get here.
  if (depth > MAX_JSON_DEPTH) return { field: path, problem: text('request.nestedDeep', { max: MAX_JSON_DEPTH }) };
  for (const [key, item] of Object.entries(value)) {
    const child = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    const keyProblem = textProblem(key, true);
    if (keyProblem !== null) return { field: child, problem: keyProblem };
    const found = badText(item, child, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/** What is wrong with a string (a key's name when `isKey`), or null. */
function textProblem(value: string, isKey = false): LocalizedText | null {
  if (value.includes('\u0000')) return text(isKey ? 'request.nulInName' : 'request.nul');
  // In a /u pattern a well-formed pair is one code point; only a lone half is \p{Cs}.
  if (/\p{Cs}/u.test(value)) return text(isKey ? 'request.surrogateInName' : 'request.surrogate');
  return null;
}

function tooDeep(depth: number): CronfleetError {
  return new CronfleetError('invalid_request', text('request.tooDeep', { max: MAX_JSON_DEPTH, depth }), { location: 'body', field: null, max_depth: MAX_JSON_DEPTH });
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
export function instantInput(value: string | undefined, location: Location, field: string, earliest = EARLIEST_FILTER_INSTANT): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new CronfleetError('invalid_request', text('request.instant', { location, field, value }), { location, field });
  }
  if (ms < earliest || ms > LATEST_INSTANT) {
    throw new CronfleetError('invalid_request', text('request.instantRange', { location, field, earliest: new Date(earliest).toISOString(), latest: new Date(LATEST_INSTANT).toISOString(), value }), { location, field });
  }
  return ms;
}
