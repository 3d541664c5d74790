// The one place that turns errors into HTTP responses: {"error":{code,message,details}}.
import type { FastifyError, FastifyInstance } from 'fastify';
import { CronfleetError, isCronfleetError } from '../protocol/errors.ts';
import { asStorageError } from '../store/faults.ts';

/** Seconds a client should wait before retrying a 503 (the store recovers by itself). */
const RETRY_AFTER_SECONDS = '1';

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError | CronfleetError | Error, request, reply) => {
    // A database fault that reached here untyped (the store types its own) is still a
    // fault of the storage, never of the request: 503, not 500.
    // (An error Fastify already gave a status, such as a client's aborted upload, stays its own.)
    const error = (raw as FastifyError).statusCode || (raw as FastifyError).validation ? raw : (asStorageError(raw) as FastifyError | CronfleetError | Error);
    if (isCronfleetError(error)) {
      if (error.status >= 500) request.log.error({ err: error }, error.message);
      if (error.status === 503) reply.header('retry-after', RETRY_AFTER_SECONDS);
      return reply.status(error.status).send(error.toBody());
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      const location = fastifyError.validationContext ?? 'body';
      // TypeBox reports an unknown property twice (a false subschema, then additionalProperties): name it once.
      const first = fastifyError.validation.find((item) => item.keyword === 'additionalProperties') ?? fastifyError.validation[0];
      const path = (first?.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const params = (first?.params ?? {}) as { missingProperty?: string; requiredProperties?: string[]; additionalProperty?: string; additionalProperties?: string[] };
      const missing = params.missingProperty ?? params.requiredProperties?.[0];
      const extra = params.additionalProperty ?? params.additionalProperties?.[0];
      const field = [path, extra ?? missing].filter(Boolean).join('.');
      const message = extra ? `unknown field '${field}'` : missing ? `${field} is required` : `${field || location} ${first?.message ?? 'is invalid'}`;
      return reply.status(400).send(new CronfleetError('invalid_request', `${location}: ${message}`, { location, field: field || null }).toBody());
    }
    const status = fastifyError.statusCode ?? 500;
    if (status === 413) return reply.status(413).send(new CronfleetError('payload_too_large', 'the request body is too large').toBody());
    if (status === 429) return reply.status(429).send(new CronfleetError('rate_limited', 'too many requests').toBody());
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ error: { code: 'invalid_request', message: fastifyError.message } });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(new CronfleetError('internal', 'internal server error').toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(new CronfleetError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`).toBody());
  });
}
