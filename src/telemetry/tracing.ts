// The OpenTelemetry SDK behind a SpanSink. Loaded with import() only when tracing is on
// (config/tracing.ts), so a server or agent without OTEL_* variables never loads it.
// Spans are recorded after the fact, with their own times and with ids chosen by the
// caller (domain/trace-context.ts): the SDK's id generator hands out the ids set just
// before each synchronous startSpan. No global provider or context manager is
// installed: nothing else in the process is traced through us.
import type { TracingSettings } from '../config/tracing.ts';
import type { SpanRecord, SpanSink } from '../domain/trace-context.ts';

export interface Tracing extends SpanSink {
  /** Sends what is buffered and stops; safe to call twice. */
  shutdown(): Promise<void>;
}

export async function startTracing(settings: TracingSettings, version: string): Promise<Tracing> {
  const [api, sdk, { resourceFromAttributes }] = await Promise.all([import('@opentelemetry/api'), import('@opentelemetry/sdk-trace'), import('@opentelemetry/resources')]);
  const exporters = await Promise.all(
    settings.exporters.map(async (name) => {
      if (name === 'console') return new sdk.ConsoleSpanExporter();
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      // Headers, timeout and compression come from OTEL_EXPORTER_OTLP_* as the exporter reads them.
      return new OTLPTraceExporter(settings.otlpUrl ? { url: settings.otlpUrl } : {});
    }),
  );
  let next: { traceId: string; spanId: string } | null = null;
  const random = new sdk.RandomIdGenerator();
  const provider = new sdk.TracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'service.version': version }),
    idGenerator: {
      generateTraceId: () => next?.traceId ?? random.generateTraceId(),
      generateSpanId: () => next?.spanId ?? random.generateSpanId(),
    },
    spanProcessors: exporters.map((exporter) => new sdk.BatchSpanProcessor({ exporter })),
  });
  const tracer = provider.getTracer('cronfleet', version);
  let stopped: Promise<void> | null = null;
  return {
    record(span: SpanRecord) {
      if (stopped) return;
      const parent = span.parentSpanId === null ? api.ROOT_CONTEXT : api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: span.traceId, spanId: span.parentSpanId, traceFlags: api.TraceFlags.SAMPLED, isRemote: true });
      next = { traceId: span.traceId, spanId: span.spanId };
      let started: ReturnType<typeof tracer.startSpan>;
      try {
        started = tracer.startSpan(span.name, { startTime: span.startTime, attributes: span.attributes }, parent);
      } finally {
        next = null;
      }
      if (span.error !== null) started.setStatus({ code: api.SpanStatusCode.ERROR, message: span.error });
      // A clock step between the two readings must not make a span end before it starts.
      started.end(Math.max(span.startTime, span.endTime));
    },
    shutdown() {
      stopped ??= provider.shutdown();
      return stopped;
    },
  };
}
