// OpenTelemetry tracing settings from the standard OTEL_* variables. Tracing is off
// unless they name an exporter: OTEL_TRACES_EXPORTER=otlp|console, or an OTLP endpoint
// (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT) with no exporter
// named; OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn it off. Off, the SDK
// is never loaded. Kept apart from config.ts so the agent reads them without the YAML loader.
import { configError } from './values.ts';

type TraceExporter = 'otlp' | 'console';

export interface TracingSettings {
  readonly exporters: readonly TraceExporter[];
  readonly serviceName: string;
  /** Where OTLP/HTTP (JSON) spans go; null = the exporter's default, http://localhost:4318/v1/traces. */
  readonly otlpUrl: string | null;
}

const supported: readonly string[] = ['otlp', 'console'];

export function tracingSettings(env: NodeJS.ProcessEnv, defaultServiceName: string): TracingSettings | null {
  const value = (name: string) => env[name]?.trim() || undefined;
  if (value('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return null;
  const tracesEndpoint = value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = value('OTEL_EXPORTER_OTLP_ENDPOINT');
  const named = value('OTEL_TRACES_EXPORTER')
    ?.toLowerCase()
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (named?.includes('none')) return null;
  for (const name of named ?? []) {
    if (!supported.includes(name)) throw configError('OTEL_TRACES_EXPORTER', `'${name}' is not supported; use otlp, console or none`, 'environment');
  }
  const exporters = (named ?? (tracesEndpoint || endpoint ? ['otlp'] : [])) as TraceExporter[];
  if (exporters.length === 0) return null;
  const protocol = value('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (exporters.includes('otlp') && protocol === 'grpc') throw configError('OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc is not supported; spans are sent as OTLP/HTTP JSON (http/json)', 'environment');
  // The signal-specific endpoint is used as given; the general one gets the traces path (OTLP spec).
  const otlpUrl = tracesEndpoint ?? (endpoint ? `${endpoint.replace(/\/+$/, '')}/v1/traces` : null);
  if (otlpUrl !== null && !URL.canParse(otlpUrl)) {
    throw configError(tracesEndpoint ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT', `'${otlpUrl}' is not a URL`, 'environment');
  }
  return Object.freeze({ exporters: Object.freeze([...new Set(exporters)]), serviceName: value('OTEL_SERVICE_NAME') ?? defaultServiceName, otlpUrl });
}
