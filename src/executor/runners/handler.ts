// `handler` tasks: a TypeScript/JavaScript function registered in this process (the SDK
// embeds an executor in an application to offer its functions as handlers). The task
// names the function in `spec.handler`; the executor advertises `handler:<name>` for
// each function, so the dispatcher sends a handler task only where its function lives.
import { CronfleetError } from '../../protocol/errors.ts';
import { traceparentOf } from '../../domain/trace-context.ts';
import type { RunContext, RunOutcome, Runner } from './runner.ts';

export interface HandlerContext<P = Record<string, unknown>> {
  executionId: string;
  taskId: string;
  taskName: string;
  /** 1 for the first run, 2 for the first retry, … */
  attempt: number;
  /** ISO instant the execution was scheduled for (the trigger time for manual runs). */
  scheduledTime: string;
  trigger: string;
  /** W3C trace context of this run in the execution's trace (`00-<trace id>-<span id>-01`), for the handler's own spans. */
  traceparent: string;
  /** For a broadcast task, which of the executors' runs this is; null otherwise. */
  shard: { index: number; total: number } | null;
  /** The task's parameters merged with the trigger's; not validated against P at run time. */
  parameters: P;
  /** Aborted on stop, kill or timeout (`signal.reason` says which): stop work when it fires. */
  signal: AbortSignal;
  /** Writes a line to the execution's live output (stdout). */
  log: (text: string) => void;
  /** Writes a line to the execution's live output (stderr). */
  logError: (text: string) => void;
}

/** Its resolved value becomes the execution's `result` and must be JSON-serialisable. */
export type HandlerFunction<P = Record<string, unknown>, R = unknown> = (context: HandlerContext<P>) => R | Promise<R>;

/** Same rule as task names and handler names on the server (domain/task.ts). */
const HANDLER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** The task_update carrying the result must stay under the protocol's 1 MiB message limit. */
const MAX_RESULT_BYTES = 256 * 1024;

export function handlerRunner(handlers: Record<string, HandlerFunction>): Runner {
  for (const [name, handler] of Object.entries(handlers)) {
    if (!HANDLER_NAME.test(name)) {
      throw new CronfleetError('invalid_config', `handler name '${name}' is not valid: use 1–128 letters, digits, _ . : - starting with a letter or digit`, { handler: name });
    }
    if (typeof handler !== 'function') throw new CronfleetError('invalid_config', `handler '${name}' is not a function`, { handler: name });
  }
  // Copied so that adding to the caller's object later cannot change what was advertised.
  const registered = new Map(Object.entries(handlers));
  return {
    type: 'handler',
    advertise: () => [...registered.keys()].map((name) => `handler:${name}`),
    async run(context) {
      const requested = context.task.spec.handler;
      const name = typeof requested === 'string' ? requested : '';
      const handler = registered.get(name);
      if (!handler) {
        const offered = [...registered.keys()].join(', ') || 'none';
        return failed(context, `this executor has no handler '${name}' (it offers: ${offered})`);
      }
      return runHandler(context, name, handler);
    },
  };
}

async function runHandler(context: RunContext, name: string, handler: HandlerFunction): Promise<RunOutcome> {
  const { task, output, signal } = context;
  // Once run() returns, the agent finishes the output; a handler that keeps logging
  // after that (it ignored the abort, or left work running) must not write into it.
  let open = true;
  const line = (stream: 'stdout' | 'stderr', text: string) => {
    if (open) output.write(stream, Buffer.from(text.endsWith('\n') ? text : `${text}\n`));
  };
  const handlerContext: HandlerContext = {
    executionId: task.id,
    taskId: task.task_id,
    taskName: task.task_name,
    attempt: task.attempt,
    scheduledTime: task.scheduled_time,
    trigger: task.trigger,
    traceparent: traceparentOf(task.id, task.attempt),
    shard: task.shard ?? null,
    parameters: task.parameters,
    signal,
    log: (text) => line('stdout', String(text)),
    logError: (text) => line('stderr', String(text)),
  };
  // A function cannot be killed: after an abort it gets killGraceMs to honour the
  // signal, then the run ends without it (a late result is ignored).
  const deadline = abandonAfterAbort(signal, context.killed, context.killGraceMs);
  const settled = Promise.resolve()
    .then(() => handler(handlerContext))
    .then((value) => ({ value }));
  try {
    const outcome = await Promise.race([settled, deadline.abandoned]);
    if (outcome === 'abandoned') {
      return failed(context, `handler '${name}' was still running after the ${String(signal.reason)} request and was abandoned; its result is ignored`);
    }
    return serialised(context, name, outcome.value);
  } catch (error) {
    if (error instanceof Error && error.stack) line('stderr', error.stack);
    return failed(context, `handler '${name}' failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    deadline.cancel();
    open = false;
  }
}

/**
 * Resolves 'abandoned' `graceMs` after the signal aborts, at once on a kill (also one that
 * comes during the grace); cancel() releases its timers and listeners.
 */
function abandonAfterAbort(signal: AbortSignal, killed: AbortSignal, graceMs: number): { abandoned: Promise<'abandoned'>; cancel(): void } {
  let timer: NodeJS.Timeout | null = null;
  let onAbort = () => {};
  let onKill = () => {};
  const abandoned = new Promise<'abandoned'>((resolve) => {
    onAbort = () => {
      // The reason decides the grace: a kill gives none.
      timer = setTimeout(() => resolve('abandoned'), signal.reason === 'kill' ? 0 : graceMs);
    };
    onKill = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => resolve('abandoned'), 0);
    };
  });
  if (killed.aborted) onKill();
  else if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  killed.addEventListener('abort', onKill, { once: true });
  return {
    abandoned,
    cancel() {
      signal.removeEventListener('abort', onAbort);
      killed.removeEventListener('abort', onKill);
      if (timer) clearTimeout(timer);
    },
  };
}

/** The result as the server will store it, or a failure naming what cannot be sent. */
function serialised(context: RunContext, name: string, value: unknown): RunOutcome {
  let text: string | undefined;
  try {
    text = JSON.stringify(value === undefined ? null : value, (key, item: unknown) => {
      // JSON.stringify drops these silently (or turns a Map into {}): a result that
      // changes on the way to the server is a bug worth reporting, not hiding.
      if (typeof item === 'function' || typeof item === 'symbol') throw new TypeError(`${where(key)} is a ${typeof item}`);
      if (item instanceof Map || item instanceof Set) throw new TypeError(`${where(key)} is a ${item instanceof Map ? 'Map' : 'Set'}`);
      return item;
    });
  } catch (error) {
    return failed(context, `handler '${name}' returned a value that is not JSON-serialisable: ${error instanceof Error ? error.message : String(error)}`);
  }
  const bytes = Buffer.byteLength(text ?? 'null');
  if (bytes > MAX_RESULT_BYTES) {
    return failed(context, `handler '${name}' returned a result of ${bytes} bytes, over the ${MAX_RESULT_BYTES}-byte limit; write large data elsewhere and return a reference`);
  }
  return { status: 'success', exitCode: null, result: JSON.parse(text ?? 'null'), error: null };
}

function where(key: string): string {
  return key === '' ? 'the result' : `field '${key}'`;
}

function failed(context: RunContext, error: string): RunOutcome {
  context.output.system(`${error}\n`);
  return { status: 'failed', exitCode: null, result: null, error };
}
