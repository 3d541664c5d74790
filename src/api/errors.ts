// The one place that turns errors into HTTP responses: {"error":{code,message,details}}.
// The message is worded in the language the request asks for (Accept-Language: English or
// Simplified Chinese, as pickLocale reads it); the code and details never change with it.
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { pickLocale } from '../domain/schedule-description.ts';
import { CronfleetError, isCronfleetError } from '../protocol/errors.ts';
import { text, type MessageLocale } from '../protocol/messages/index.ts';
import { asStorageError } from '../store/faults.ts';

/** Seconds a client should wait before retrying a 503 (the store recovers by itself). */
const RETRY_AFTER_SECONDS = '1';

/** The language of a request's error messages. */
export function messageLocale(request: FastifyRequest): MessageLocale {
  const header = request.headers['accept-language'];
  return pickLocale(undefined, Array.isArray(header) ? header.join(',') : header);
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError | CronfleetError | Error, request, reply) => {
    const locale = messageLocale(request);
    // A database fault that reached here untyped (the store types its own) is still a
    // fault of the storage, never of the request: 503, not 500.
    // (An error Fastify already gave a status, such as a client's aborted upload, stays its own.)
    const error = (raw as FastifyError).statusCode || (raw as FastifyError).validation ? raw : (asStorageError(raw) as FastifyError | CronfleetError | Error);
    if (isCronfleetError(error)) {
      if (error.status >= 500) request.log.error({ err: error }, error.message);
      if (error.status === 503) reply.header('retry-after', RETRY_AFTER_SECONDS);
      return reply.status(error.status).send(worded(error).toBody(locale));
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) return reply.status(400).send(validationError(fastifyError).toBody(locale));
    const status = fastifyError.statusCode ?? 500;
    if (status === 413) return reply.status(413).send(new CronfleetError('payload_too_large', text('request.tooLarge')).toBody(locale));
    if (status === 429) return reply.status(429).send(new CronfleetError('rate_limited', text('request.rateLimited')).toBody(locale));
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ error: { code: 'invalid_request', message: text('request.framework', { english: fastifyError.message, fastifyCode: fastifyError.code ?? '' }).in(locale) } });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(new CronfleetError('internal', text('server.internal')).toBody(locale));
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(new CronfleetError('not_found', text('request.noRoute', { method: request.method, path: request.url.split('?')[0]! })).toBody(messageLocale(request)));
  });
}

/**
 * An error without a key says what happened in English (a storage fault the database's own
 * words, an internal fault an operator's hint): in another language it is put in a sentence
 * of that language that names the kind of fault (code and details unchanged).
 */
function worded(error: CronfleetError): CronfleetError {
  if (error.text !== null) return error;
  const english = error.message;
  const message =
    error.code === 'storage_busy'
      ? text('storage.busy', { english })
      : error.code === 'storage_unavailable'
        ? text('storage.unavailable', { reason: typeof error.details?.reason === 'string' ? error.details.reason : '', english })
        : text('server.unkeyed', { code: error.code, english });
  return new CronfleetError(error.code, message, error.details);
}

/** A request that broke its route's schema: a 400 naming the first field, worded from ajv's keyword and parameters. */
function validationError(error: FastifyError): CronfleetError {
  const location = error.validationContext ?? 'body';
  // TypeBox reports an unknown property twice (a false subschema, then additionalProperties): name it once.
  const first = error.validation!.find((item) => item.keyword === 'additionalProperties') ?? error.validation![0];
  const path = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const params = (first?.params ?? {}) as {
    missingProperty?: string;
    requiredProperties?: string[];
    additionalProperty?: string;
    additionalProperties?: string[];
    limit?: number;
    allowedValues?: unknown[];
    allowedValue?: unknown;
    type?: string;
    format?: string;
  };
  const missing = params.missingProperty ?? params.requiredProperties?.[0];
  const extra = params.additionalProperty ?? params.additionalProperties?.[0];
  const field = [path, extra ?? missing].filter(Boolean).join('.');
  const details = { location, field: field || null };
  if (extra) return new CronfleetError('invalid_request', text('request.unknownField', { location, field }), details);
  if (missing) return new CronfleetError('invalid_request', text('request.required', { location, field }), details);
  const allowed = params.allowedValues ?? (params.allowedValue === undefined ? [] : [params.allowedValue]);
  return new CronfleetError(
    'invalid_request',
    text('request.schema', {
      location,
      field: field || location,
      keyword: first?.keyword ?? '',
      english: first?.message ?? 'is invalid',
      limit: params.limit === undefined ? '' : String(params.limit),
      allowed: allowed.map((value) => String(value)).join(', '),
      type: params.type ?? '',
      format: params.format ?? '',
    }),
    details,
  );
}
