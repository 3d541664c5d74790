// The shape of a task: its definition (what to run, on which schedule, with which
// policies) and the stored task around it. Types only; the rules that build and check a
// definition are in task.ts, the walking of its secrets in secrets.ts. Both import this
// file, so secrets.ts need not import task.ts, which imports it (no cycle, not even of types).
import type { CronDialect, ExecutionMode, LoadBalanceStrategy, MisfirePolicy, TaskStatus, TaskType } from '../protocol/enums.ts';
import type { MaybeSecret } from './secret-values.ts';

export interface CommandSpec {
  command: string;
  args: string[];
  shell: boolean;
  env: Record<string, MaybeSecret>;
  cwd: string | null;
}
export interface ScriptSpec {
  interpreter: string;
  body: string;
  env: Record<string, MaybeSecret>;
}
export interface HttpSpec {
  method: string;
  url: string;
  headers: Record<string, MaybeSecret>;
  body: string | null;
  expectStatus: number[];
}
export interface DockerSpec {
  image: string;
  command: string[];
  env: Record<string, MaybeSecret>;
}
export interface HandlerSpec {
  handler: string;
}
export type TaskSpec = CommandSpec | ScriptSpec | HttpSpec | DockerSpec | HandlerSpec;

/** An executor named for a task (by id or name), with its weight and failover priority. */
export interface TaskExecutorRef {
  executor: string;
  weight: number;
  priority: number;
}

export interface TaskDefinition {
  name: string;
  description: string;
  tags: string[];
  cronExpression: string | null;
  timezone: string;
  /** How cronExpression is read (domain/schedule.ts). */
  cronDialect: CronDialect;
  type: TaskType;
  spec: TaskSpec;
  parameters: Record<string, unknown>;
  executionMode: ExecutionMode;
  loadBalanceStrategy: LoadBalanceStrategy;
  executorLabels: Record<string, string>;
  /** When given, only these executors may run the task (weights and priorities for routing). */
  executors: TaskExecutorRef[];
  maxRetry: number;
  retryBackoffSeconds: number;
  retryBackoffMaxSeconds: number;
  timeoutSeconds: number;
  misfirePolicy: MisfirePolicy;
  misfireGraceSeconds: number;
  /** queue mode: at most this many fires wait for their turn (domain/overlap.ts). */
  maxQueued: number;
  /** A pending execution no executor can take fails (no_executor) after this long. */
  dispatchTimeoutSeconds: number;
  /** Keep at most this many finished executions, the newest (retention); null = no limit. */
  historyLimit: number | null;
  /** When executors lack capacity, pending executions of higher priority go first; equal ones keep fire order. */
  priority: number;
  /** Tasks a success of this one starts (trigger dependency), as a chain run (domain/workflow.ts). */
  onSuccessTrigger: string[];
}

export interface Task extends TaskDefinition {
  id: string;
  status: TaskStatus;
  nextFireAt: number | null;
  lastFireAt: number | null;
  version: number;
  createdAt: number;
  updatedAt: number;
}
