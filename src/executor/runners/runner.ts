// The runner plugin interface: one module per task type. A team adds its own runner
// by passing it to the agent (`runners: [...defaultRunners(), myRunner]`).
import type { RunTask } from '../../protocol/executor-messages.ts';
import type { OutputCapture } from '../output.ts';

export interface RunContext {
  task: RunTask;
  /** Environment for child processes: the executor's own (minus cronfleet secrets) plus the task's. */
  env: Record<string, string>;
  output: OutputCapture;
  /** Aborted on stop, kill or timeout; `signal.reason` is 'stop' | 'kill' | 'timeout'. */
  signal: AbortSignal;
  /** How long a stopped process gets between SIGTERM and SIGKILL. */
  killGraceMs: number;
}

export interface RunOutcome {
  status: 'success' | 'failed';
  exitCode: number | null;
  result: unknown;
  error: string | null;
}

export interface Runner {
  /** The task type it runs, e.g. 'command'; advertised to the server on hello. */
  readonly type: string;
  run(context: RunContext): Promise<RunOutcome>;
}
