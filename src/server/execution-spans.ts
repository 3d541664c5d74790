// The server's spans of an execution's trace (domain/trace-context.ts), recorded when it
// finishes, from its stored row: the instance that finishes it is not always the one
// that fired or dispatched it, but the row holds every instant. Under the root span
// `execution <task>` (first instant → end):
// - fire: the scheduled instant → the execution recorded (empty when recorded ahead of
//   its instant; a retry, backfill or manual run is fired when it is recorded);
// - dispatch: ready to run (recorded, its backoff or instant reached) → started on an
//   executor (to the end when it never started);
// - completion: the end reported → recorded (the finish and any retry written).
// The executor's `run <task>` span (agent.ts) hangs under the same root.
import type { Clock } from '../domain/clock.ts';
import type { Execution } from '../domain/execution.ts';
import { executionSpanId, stepSpanId, traceIdOf, type SpanAttributes, type SpanRecord, type SpanSink } from '../domain/trace-context.ts';
import type { DispatchEvents, TypedEmitter } from '../dispatch/events.ts';
import type { Store } from '../store/store.ts';

type Finished = DispatchEvents['execution.finished'];

/** Records the spans of each execution finished on this instance; stop() waits for those being read. */
export function traceExecutions(events: TypedEmitter<DispatchEvents>, store: Store, clock: Clock, spans: SpanSink, onError: (error: unknown) => void): { stop(): Promise<void> } {
  const reading = new Set<Promise<void>>();
  const off = events.on('execution.finished', (finished) => {
    const recordedAt = clock.now();
    const read = store.executions.get(finished.executionId).then(
      (execution) => {
        if (execution) for (const span of executionSpans(execution, finished, recordedAt)) spans.record(span);
      },
      (error: unknown) => onError(error),
    );
    reading.add(read);
    void read.finally(() => reading.delete(read));
  });
  return {
    async stop() {
      off();
      await Promise.all(reading);
    },
  };
}

function executionSpans(execution: Execution, finished: Finished, recordedAt: number): SpanRecord[] {
  const traceId = traceIdOf(execution.id);
  const rootId = executionSpanId(execution.id);
  const attributes: SpanAttributes = {
    'cronfleet.execution.id': execution.id,
    'cronfleet.task.id': execution.taskId,
    'cronfleet.task.name': finished.taskName,
    'cronfleet.attempt': finished.attempt,
    'cronfleet.trigger': execution.trigger,
    ...(finished.executorId ? { 'cronfleet.executor.id': finished.executorId } : {}),
  };
  const failed = finished.status === 'failed' || finished.status === 'timeout';
  const error = failed ? (execution.error ?? finished.status) : null;
  const firedAt = execution.trigger === 'schedule' ? execution.scheduledTime : execution.createdAt;
  const recorded = Math.max(firedAt, execution.createdAt);
  const ready = Math.max(recorded, execution.runAt ?? recorded);
  const end = finished.endTime;
  const started = finished.startTime === null ? end : Math.max(ready, finished.startTime);
  const child = (name: 'fire' | 'dispatch' | 'completion', startTime: number, endTime: number, extra: SpanAttributes = {}, spanError: string | null = null): SpanRecord => ({
    name,
    traceId,
    spanId: stepSpanId(execution.id, name),
    parentSpanId: rootId,
    startTime,
    endTime,
    attributes: { ...attributes, ...extra },
    error: spanError,
  });
  return [
    {
      name: `execution ${finished.taskName}`,
      traceId,
      spanId: rootId,
      parentSpanId: null,
      startTime: Math.min(firedAt, execution.createdAt),
      endTime: Math.max(end, recordedAt),
      attributes: {
        ...attributes,
        'cronfleet.status': finished.status,
        'cronfleet.scheduled_time': new Date(execution.scheduledTime).toISOString(),
        ...(execution.retryOf ? { 'cronfleet.retry_of': execution.retryOf } : {}),
      },
      error,
    },
    child('fire', firedAt, recorded, { 'cronfleet.scheduled_time': new Date(execution.scheduledTime).toISOString() }),
    child('dispatch', ready, started, finished.startTime === null ? { 'cronfleet.started': false } : {}),
    child('completion', end, Math.max(end, recordedAt), { 'cronfleet.status': finished.status, ...(finished.retryId ? { 'cronfleet.retry.id': finished.retryId } : {}) }, error),
  ];
}
