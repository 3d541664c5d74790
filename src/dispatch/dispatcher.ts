// The dispatcher (leader only): moves pending executions to executors. It runs when
// woken (a fire, a finish, a connect, a trigger), when a retry's backoff ends, and on a
// slow safety poll. Overlap rules that depend on what is running (sequential) live here.
import type { Clock, TimerHandle } from '../domain/clock.ts';
import type { Execution } from '../domain/execution.ts';
import { chooseExecutor, labelsMatch, type Candidate } from '../domain/routing.ts';
import type { HttpSpec, Task } from '../domain/task.ts';
import type { RunTask } from '../protocol/executor-messages.ts';
import type { Executor } from '../store/executors.ts';
import type { Store } from '../store/store.ts';
import { completeExecution, type CompletionDeps } from './completion.ts';
import type { DispatchEvents, TypedEmitter } from './events.ts';
import type { ExecutorGateway } from './gateway.ts';

export interface DispatcherOptions {
  /** Safety poll: pending work is re-examined at least this often. */
  pollMs: number;
  /** Extra time past a task's timeout before an unreported execution counts as overdue. */
  deadlineGraceMs: number;
  batchSize: number;
}

export class Dispatcher {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #gateway: ExecutorGateway;
  readonly #events: TypedEmitter<DispatchEvents>;
  readonly #options: DispatcherOptions;
  readonly #cursors = new Map<string, number>();
  readonly #sticky = new Map<string, string>();
  #timer: TimerHandle | null = null;
  #running = false;
  #again = false;
  #active = false;
  #idle: Promise<void> = Promise.resolve();

  constructor(store: Store, clock: Clock, gateway: ExecutorGateway, events: TypedEmitter<DispatchEvents>, options: DispatcherOptions) {
    this.#store = store;
    this.#clock = clock;
    this.#gateway = gateway;
    this.#events = events;
    this.#options = options;
  }

  get completionDeps(): CompletionDeps {
    return { store: this.#store, clock: this.#clock, events: this.#events, wake: () => this.wake() };
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.wake();
  }

  async stop(): Promise<void> {
    this.#active = false;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#idle;
  }

  /** Runs a dispatch pass soon; passes never overlap, a wake during one runs another. */
  wake(): void {
    if (!this.#active) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#idle = this.#loop();
  }

  /** Resolves once no dispatch pass is running (tests and shutdown). */
  settled(): Promise<void> {
    return this.#idle;
  }

  /**
   * Stops an execution: a pending one is cancelled at once; a running one is asked to
   * stop and becomes `cancelled` when its executor reports. Returns false if it had ended.
   */
  async stopExecution(execution: Execution, kill = false): Promise<boolean> {
    if (execution.status === 'pending') {
      return completeExecution(this.completionDeps, execution.id, 'cancelled', { error: 'stopped on request', reason: 'stopped' });
    }
    if (execution.status !== 'running') return false;
    const delivered = execution.executorId !== null && this.#gateway.send(execution.executorId, { action: kill ? 'kill' : 'stop', tasks: [{ id: execution.id }] });
    if (!delivered) {
      // Its executor is not connected: nothing can stop the process, so end the record.
      return completeExecution(this.completionDeps, execution.id, 'cancelled', { error: 'stopped on request; the executor was not connected', reason: 'stopped' });
    }
    return true;
  }

  async #loop(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#pass();
      } while (this.#again && this.#active);
    } catch (error) {
      process.emitWarning(`dispatch pass failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.#running = false;
      await this.#arm();
    }
  }

  async #arm(): Promise<void> {
    if (!this.#active) return;
    this.#timer?.cancel();
    const now = this.#clock.now();
    const earliest = await this.#store.executions.earliestRunAt(now).catch(() => null);
    const delay = Math.min(this.#options.pollMs, earliest === null ? Infinity : earliest - now);
    this.#timer = this.#clock.setTimer(delay, () => this.wake());
  }

  async #pass(): Promise<void> {
    const now = this.#clock.now();
    const pending = await this.#store.executions.dispatchable(now, this.#options.batchSize);
    if (pending.length === 0) return;
    const executors = (await this.#store.executors.list()).filter((executor) => this.#gateway.isConnected(executor.id) && executor.status === 'online' && executor.isHealthy);
    const load = await this.#store.executions.runningCountByExecutor();
    const taskIds = [...new Set(pending.map((execution) => execution.taskId))];
    const tasks = new Map<string, Task>();
    for (const id of taskIds) {
      const task = await this.#store.tasks.getIncludingDeleted(id);
      if (task) tasks.set(id, task);
    }
    const busy = new Set((await this.#store.executions.active(taskIds)).filter((e) => e.status === 'running' && e.trigger !== 'manual').map((e) => e.taskId));
    const waitingReason = new Map<string, string>();
    const queuedBehind = new Set<string>();

    for (const execution of pending) {
      const task = tasks.get(execution.taskId);
      if (!task || task.status === 'deleted') {
        await completeExecution(this.completionDeps, execution.id, 'cancelled', { error: 'the task was deleted', reason: 'task_deleted' });
        continue;
      }
      // sequential: one at a time, in order; a manual trigger may bypass the queue.
      if (task.executionMode === 'sequential' && execution.trigger !== 'manual') {
        if (busy.has(task.id) || queuedBehind.has(task.id)) {
          queuedBehind.add(task.id);
          waitingReason.set(execution.id, 'waiting for the previous execution of this task (sequential)');
          continue;
        }
      }
      const candidates = eligible(task, executors, load);
      const choice = chooseExecutor(task.loadBalanceStrategy, candidates, {
        cursor: this.#cursors.get(task.id) ?? 0,
        stickyExecutorId: this.#sticky.get(task.id) ?? null,
      });
      if (!choice) {
        waitingReason.set(execution.id, noExecutorReason(task, executors));
        if (task.executionMode === 'sequential') queuedBehind.add(task.id);
        continue;
      }
      const deadline = now + task.timeoutSeconds * 1000 + this.#options.deadlineGraceMs;
      if (!(await this.#store.executions.claim(execution.id, choice.id, now, deadline))) continue;
      this.#cursors.set(task.id, (this.#cursors.get(task.id) ?? 0) + 1);
      this.#sticky.set(task.id, choice.id);
      load.set(choice.id, (load.get(choice.id) ?? 0) + 1);
      if (task.executionMode === 'sequential' && execution.trigger !== 'manual') busy.add(task.id);
      const sent = this.#gateway.send(choice.id, { action: 'run', tasks: [runTask(task, execution)] });
      if (!sent) {
        await completeExecution(this.completionDeps, execution.id, 'failed', { error: 'the executor disconnected before the execution reached it', reason: 'executor_lost' });
        continue;
      }
      this.#events.emit('execution.dispatched', { executionId: execution.id, taskId: task.id, executorId: choice.id });
    }
    const byReason = new Map<string, string[]>();
    for (const execution of pending) {
      const reason = waitingReason.get(execution.id);
      if (reason === undefined || reason === execution.reason) continue;
      byReason.set(reason, [...(byReason.get(reason) ?? []), execution.id]);
    }
    for (const [reason, ids] of byReason) await this.#store.executions.setPendingReason(ids, reason, now);
  }
}

function supports(executor: Executor, task: Task): boolean {
  if (task.type === 'handler') return executor.runners.includes(`handler:${(task.spec as { handler: string }).handler}`);
  return executor.runners.includes(task.type);
}

function eligible(task: Task, executors: Executor[], load: Map<string, number>): Candidate[] {
  return executors
    .filter((executor) => supports(executor, task) && labelsMatch(task.executorLabels, executor.labels) && (load.get(executor.id) ?? 0) < executor.capacity)
    .map((executor) => ({ id: executor.id, capacity: executor.capacity, running: load.get(executor.id) ?? 0, weight: 1 }));
}

function noExecutorReason(task: Task, executors: Executor[]): string {
  if (executors.length === 0) return 'no executor is online';
  const capable = executors.filter((executor) => supports(executor, task));
  if (capable.length === 0) {
    return task.type === 'handler'
      ? `no online executor offers handler '${(task.spec as { handler: string }).handler}'`
      : `no online executor has a '${task.type}' runner`;
  }
  const matching = capable.filter((executor) => labelsMatch(task.executorLabels, executor.labels));
  if (matching.length === 0) return `no online executor carries the labels ${JSON.stringify(task.executorLabels)}`;
  return 'every eligible executor is at capacity';
}

export function runTask(task: Task, execution: Execution): RunTask {
  const spec = wireSpec(task);
  return {
    id: execution.id,
    attempt: execution.attempt,
    task_id: task.id,
    task_name: task.name,
    type: task.type,
    ...(task.type === 'command' ? { command: spec.command as string, args: spec.args as string[] } : {}),
    timeout: task.timeoutSeconds,
    spec,
    parameters: execution.parameters,
    scheduled_time: new Date(execution.scheduledTime).toISOString(),
    trigger: execution.trigger,
  };
}

function wireSpec(task: Task): Record<string, unknown> {
  if (task.type === 'http') {
    const { expectStatus, ...rest } = task.spec as HttpSpec;
    return { ...rest, expect_status: expectStatus };
  }
  return { ...task.spec };
}
