// W3C trace context for executions: one trace per execution, whose ids every process
// derives alone from the execution id, so the instance that fires, the one that
// finishes and the agent that runs it join the same trace without passing anything.
// - trace id: the execution id's 32 hex digits (a UUIDv7: never all zeros);
// - span ids: the first 16 hex digits of a SHA-256 over the execution id and the step
//   (the run's also over its attempt: a run delivered again is the same span).
// What is recorded as a span (SpanRecord) is plain data; telemetry/tracing.ts exports it.
import { createHash } from 'node:crypto';

export type SpanAttributes = Record<string, string | number | boolean>;

/** One finished span, times in epoch ms. */
export interface SpanRecord {
  name: string;
  traceId: string;
  spanId: string;
  /** Null: the root of its trace. */
  parentSpanId: string | null;
  startTime: number;
  endTime: number;
  attributes: SpanAttributes;
  /** Set: the span ended in error (status ERROR with this message). */
  error: string | null;
}

/** Where spans go: the OpenTelemetry exporter when tracing is on (telemetry/tracing.ts). */
export interface SpanSink {
  record(span: SpanRecord): void;
}

const HEX_ID = /^[0-9a-f]{32}$/;

function digest(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

export function traceIdOf(executionId: string): string {
  const hex = executionId.replace(/-/g, '').toLowerCase();
  // Ids are UUIDs; anything else still gets a stable, valid trace id.
  return HEX_ID.test(hex) && !/^0+$/.test(hex) ? hex : digest(executionId, 32);
}

/** The execution's root span (recorded by the server when it finishes). */
export function executionSpanId(executionId: string): string {
  return digest(executionId, 16);
}

/** The server's child spans of the root. */
export function stepSpanId(executionId: string, step: 'fire' | 'dispatch' | 'completion'): string {
  return digest(`${executionId}/${step}`, 16);
}

/** The executor's run of one attempt. */
export function runSpanId(executionId: string, attempt: number): string {
  return digest(`${executionId}/run/${attempt}`, 16);
}

/** The `traceparent` a run passes to its task (HTTP header, TRACEPARENT): the run span, sampled. */
export function traceparentOf(executionId: string, attempt: number): string {
  return `00-${traceIdOf(executionId)}-${runSpanId(executionId, attempt)}-01`;
}
