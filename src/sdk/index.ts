// cronfleet/sdk: embed an executor in your own Node application and offer its
// functions as `handler` tasks. The executor dials out to the server over WebSocket
// exactly as `cronfleet executor` does (reconnects, fails over, never loses a result).
//
//   import { defineHandler, startExecutor } from 'cronfleet/sdk';
//   const sum = defineHandler<{ a: number; b: number }, number>(({ parameters, log }) => {
//     log(`adding ${parameters.a} and ${parameters.b}`);
//     return parameters.a + parameters.b;
//   });
//   const executor = startExecutor({ server: 'http://scheduler:8080', token, name: 'billing', handlers: { sum } });
//   await executor.connected;
//   …
//   await executor.stop();
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ExecutorClient } from '../executor/client.ts';
import { handlerRunner, type HandlerContext, type HandlerFunction } from '../executor/runners/handler.ts';
import type { Runner } from '../executor/runners/runner.ts';
import { CronfleetError } from '../protocol/errors.ts';

export type { HandlerContext, HandlerFunction } from '../executor/runners/handler.ts';
export type { RunContext, RunOutcome, Runner } from '../executor/runners/runner.ts';
export { availableRunners, defaultRunners, type RunnerOptions } from '../executor/runners/index.ts';
export { openProcessGroups, type ProcessGroups } from '../executor/strays.ts';
// For HTTP executors written in Node: sign callbacks and verify pushes as the README describes
// (remember the nonces of accepted pushes for 10 minutes and refuse one seen again).
export { isValidNonce, newNonce, SIGNATURE_HEADERS, SIGNATURE_TOLERANCE_SECONDS, signatureMatches, signedHeaders, signMessage, type SignedMessage, type SignedRoute } from '../protocol/request-signing.ts';

export interface ExecutorOptions {
  /** Server base URL (http:// or https://), or several to fail over between. */
  server: string | string[];
  /** An executor token from `cronfleet executor-token create`. */
  token: string;
  /** Shown in the executor list. */
  name: string;
  /** Labels tasks can select with `executor_labels`. Default: none. */
  labels?: Record<string, string>;
  /** Executions run at once. Default: 4. */
  capacity?: number;
  /** Handler name → function; a task with `"handler": "<name>"` runs that function. */
  handlers: Record<string, HandlerFunction>;
  /**
   * More runners to offer besides the handlers, e.g. for command tasks
   * `defaultRunners({ processGroups: await openProcessGroups(dataDir, instanceId, log) })`:
   * with the process groups recorded, the next start kills what a crash left running.
   */
  runners?: Runner[];
  /** Stable identity across restarts, so a restarted process is reconciled. Default: `<hostname>:<name>`. */
  instanceId?: string;
  /** Extra CA certificate(s) (PEM) to trust for https/wss servers. */
  ca?: string | Buffer;
  /** Connection events (connected, disconnected, bad messages). Default: silent. */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface RunningExecutor {
  /** Resolves once the server has accepted this executor; rejects if stopped first. */
  connected: Promise<void>;
  /** Stops running handlers (reported as cancelled), reports them, disconnects. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Types a handler's parameters and result. Only types: parameters are whatever the
 * task and its trigger carry, so validate them in the handler if they come from people.
 */
export function defineHandler<P = Record<string, unknown>, R = unknown>(handler: (context: HandlerContext<P>) => R | Promise<R>): HandlerFunction<Record<string, unknown>, R> {
  return handler as unknown as HandlerFunction<Record<string, unknown>, R>;
}

export function startExecutor(options: ExecutorOptions): RunningExecutor {
  const resolved = resolveOptions(options);
  const client = new ExecutorClient({
    servers: resolved.servers,
    token: options.token,
    name: options.name,
    instanceId: options.instanceId ?? `${hostname()}:${options.name}`,
    labels: options.labels ?? {},
    capacity: resolved.capacity,
    runners: [...resolved.runners, handlerRunner(options.handlers)],
    version: `${packageVersion()}+sdk`,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  let stopping: Promise<void> | null = null;
  let stopped: () => void = () => {};
  const stoppedFirst = new Promise<never>((_resolve, reject) => {
    stopped = () => reject(new CronfleetError('unavailable', `executor ${options.name} was stopped before it connected`));
  });
  const connected = Promise.race([client.welcomed(), stoppedFirst]);
  // Awaiting `connected` is optional: its rejection must not crash an app that never did.
  connected.catch(() => {});
  client.start();
  return {
    connected,
    stop() {
      stopping ??= (async () => {
        stopped();
        await client.stop();
      })();
      return stopping;
    },
  };
}

/** Checks what a type checker cannot; fails at once with the option's name. */
function resolveOptions(options: ExecutorOptions): { servers: string[]; capacity: number; runners: Runner[] } {
  const servers = typeof options.server === 'string' ? [options.server] : [...(options.server ?? [])];
  if (servers.length === 0) throw invalid('server', 'is required: the server URL, e.g. http://scheduler:8080');
  for (const server of servers) {
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw invalid('server', `'${server}' is not a URL such as http://scheduler:8080`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('server', `'${server}' must be an http:// or https:// URL`);
  }
  if (typeof options.token !== 'string' || options.token === '') throw invalid('token', 'is required: create one with `cronfleet executor-token create --name <name>`');
  if (typeof options.name !== 'string' || options.name.trim() === '') throw invalid('name', 'is required');
  const capacity = options.capacity ?? 4;
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 10_000) throw invalid('capacity', `must be an integer from 1 to 10000, got ${capacity}`);
  if (typeof options.handlers !== 'object' || options.handlers === null) throw invalid('handlers', 'is required: an object of handler name → function');
  const runners = options.runners ?? [];
  if (runners.some((runner) => runner.type === 'handler')) throw invalid('runners', "must not hold a 'handler' runner: pass the functions as 'handlers' instead");
  return { servers, capacity, runners };
}

function invalid(option: string, message: string): CronfleetError {
  return new CronfleetError('invalid_config', `startExecutor: '${option}' ${message}`, { option });
}

/** Read when an executor starts, not on import; the hello reports it. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
