// The runner plugin interface: one runner per task type. The agent picks the runner
// whose `type` equals the task's type and awaits `run()`; whatever it resolves with is
// reported as the execution's end.
//
// A team adds its own runner in one of two ways:
//   - in code: `new ExecutorClient({ runners: [...defaultRunners(), myRunner], … })`,
//     or the SDK's `startExecutor({ runners: [myRunner], … })`;
//   - on the command line: `cronfleet executor --runner ./my-runner.ts`, where the
//     module's default export is the Runner (see plugin.ts). A plugin whose type
//     matches a built-in runner replaces it.
//
// What a runner must honour:
//   - `run()` resolves, never hangs: when `signal` aborts (stop, kill or timeout) it
//     ends its work promptly — a child process gets SIGTERM, then SIGKILL after
//     `killGraceMs` (process-runner.ts does this). The agent turns any outcome of an
//     aborted run into `cancelled` or `timeout`, so the outcome's status then matters little.
//   - `killed` aborts when a kill request arrives, also after `signal` already aborted
//     for a stop or timeout ("kill now" while the grace runs): end at once, no grace.
//   - A thrown error or rejection is reported as `failed` ("runner crashed: …"); return
//     a `failed` outcome with a clear `error` for expected failures instead.
//   - Output goes through `output` (live, bounded); `result` must be JSON-serialisable.
//   - The server only sends the task types it knows (command, script, http, docker,
//     handler), so a plugin's `type` is one of them.
import type { RunTask } from '../../protocol/executor-messages.ts';
import type { LocalizedText } from '../../protocol/messages/index.ts';
import type { OutputCapture } from '../output.ts';
import type { ExecutorPolicy } from '../policy.ts';

export interface RunContext {
  task: RunTask;
  /** Environment for child processes: the executor's own (minus cronfleet secrets) plus the task's. */
  env: Record<string, string>;
  output: OutputCapture;
  /** Aborted on stop, kill or timeout; `signal.reason` is 'stop' | 'kill' | 'timeout'. */
  signal: AbortSignal;
  /**
   * Aborted when a kill request arrives (then `signal` is aborted too), also when
   * `signal` had already aborted for a stop or timeout: whatever still runs ends at once.
   */
  killed: AbortSignal;
  /** How long a stopped process gets between SIGTERM and SIGKILL. */
  killGraceMs: number;
  /** What this executor's operator allows (policy.ts); a runner that starts processes or makes requests honours it. */
  policy: ExecutorPolicy;
}

export interface RunOutcome {
  status: 'success' | 'failed';
  exitCode: number | null;
  result: unknown;
  error: string | null;
  /**
   * The message `error` was worded from, when the runner words it by key (a `run.*` message
   * of protocol/messages): sent along, so the server can word it in its reader's language.
   */
  errorDetail?: LocalizedText;
}

export interface Runner {
  /** The task type it runs, e.g. 'command'. */
  readonly type: string;
  run(context: RunContext): Promise<RunOutcome>;
  /**
   * What the agent advertises on hello for this runner; the dispatcher routes a task
   * only to executors advertising what it needs. Defaults to `[type]`. The handler
   * runner advertises `handler:<name>` per handler, since a handler task needs that
   * particular function, not just any handler runner.
   */
  advertise?(): string[];
}

/** Every name a set of runners advertises, without repeats. */
export function advertisedNames(runners: readonly Runner[]): string[] {
  return [...new Set(runners.flatMap((runner) => runner.advertise?.() ?? [runner.type]))];
}
