// The one place that turns errors into HTTP responses: {"error":{code,message,details}}.
import type { FastifyError, FastifyInstance } from 'fastify';
import { CronfleetError, isCronfleetError } from '../protocol/errors.ts';

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | CronfleetError | Error, request, reply) => {
    if (isCronfleetError(error)) {
      if (error.status >= 500) request.log.error({ err: error }, error.message);
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
