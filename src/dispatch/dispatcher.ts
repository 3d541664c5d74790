// The dispatcher (leader only): moves pending executions to executors. It runs when
// woken (a fire, a finish, a connect, a trigger), when a retry's backoff ends, and on a
// slow safety poll. Overlap rules that depend on what is running (sequential) live here.
import type { Clock } from '../domain/clock.ts';
import { PassLoop } from '../domain/pass-loop.ts';
import type { Execution } from '../domain/execution.ts';
import { newId } from '../domain/ids.ts';
import { chooseExecutor, type Candidate } from '../domain/routing.ts';
import type { Task } from '../domain/task.ts';
import type { Store } from '../store/store.ts';
import { completeExecution, type CompletionDeps } from './completion.ts';
import type { DispatchEvents, TypedEmitter } from './events.ts';
import { eligibleCandidates, noExecutorReason } from './eligibility.ts';
import type { ExecutorGateway } from './gateway.ts';
import { RoutingMemory } from './routing-memory.ts';
import { runTask } from './run-task.ts';

export interface DispatcherOptions {
  /** Safety poll: pending work is re-examined at least this often. */
  pollMs: number;
  /** Extra time past a task's timeout before an unreported execution counts as overdue. */
  deadlineGraceMs: number;
  batchSize: number;
  /** An instance silent this long no longer counts as holding its executors' sockets. */
  instanceTimeoutMs: number;
}

export class Dispatcher {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #gateway: ExecutorGateway;
  readonly #events: TypedEmitter<DispatchEvents>;
  readonly #options: DispatcherOptions;
  readonly #routing: RoutingMemory;
  readonly #loop: PassLoop;
  #lastPassAt = 0;

  constructor(store: Store, clock: Clock, gateway: ExecutorGateway, events: TypedEmitter<DispatchEvents>, options: DispatcherOptions) {
    this.#store = store;
    this.#clock = clock;
    this.#gateway = gateway;
    this.#events = events;
    this.#options = options;
    this.#routing = new RoutingMemory(store);
    this.#loop = new PassLoop({
      clock,
      pass: () => this.#pass(),
      // Backoffs ending after the last pass looked (anything due before was handled then),
      // and a slow safety poll.
      nextDelay: async () => {
        const earliest = await this.#store.executions.earliestRunAt(this.#lastPassAt);
        return Math.min(this.#options.pollMs, earliest === null ? Infinity : earliest - this.#clock.now());
      },
      onError: (error) => this.#events.emit('error', { error }),
    });
  }

  get completionDeps(): CompletionDeps {
    return { store: this.#store, clock: this.#clock, events: this.#events, wake: () => this.wake() };
  }

  start(): void {
    if (this.#loop.active) return;
    this.#routing.forget();
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Runs a dispatch pass soon; passes never overlap, a wake during one runs another. */
  wake(): void {
    this.#loop.wake();
  }

  /** Resolves once no dispatch pass is running (tests and shutdown). */
  settled(): Promise<void> {
    return this.#loop.settled();
  }

  /**
   * Stops an execution: a pending one is cancelled at once; a running one is asked to
   * stop and becomes `cancelled` when its executor reports. Returns false if it had ended.
   */
  async stopExecution(execution: Execution, kill = false): Promise<boolean> {
    if (execution.status === 'pending') {
      return completeExecution(this.completionDeps, execution.id, 'cancelled', { error: 'stopped on request', reason: 'stopped' });
    }
    if (execution.status !== 'running' || execution.executorId === null) return false;
    const action = kill ? 'kill' : 'stop';
    if (this.#gateway.send(execution.executorId, { action, tasks: [{ id: execution.id }] })) return true;
    if (await this.#reachableElsewhere(execution.executorId)) {
      // Another instance holds its socket: leave the request where that instance looks.
      await this.#store.executions.requestStop(execution.id, action, this.#clock.now());
      await this.#store.signals.notify('cronfleet_deliver');
      return true;
    }
    // Its executor is not connected anywhere: nothing can stop the process, so end the record.
    return completeExecution(this.completionDeps, execution.id, 'cancelled', { error: 'stopped on request; the executor was not connected', reason: 'stopped' });
  }

  async #reachableElsewhere(executorId: string): Promise<boolean> {
    const executor = await this.#store.executors.get(executorId);
    if (!executor?.connectedTo) return false;
    return (await this.#liveInstances()).has(executor.connectedTo);
  }

  /** Instances that heartbeat recently: executors connected to them can be reached. */
  async #liveInstances(): Promise<Set<string>> {
    const now = await this.#store.dialect.now(this.#store.db);
    return this.#store.instances.liveIds(now - this.#options.instanceTimeoutMs);
  }

  async #pass(): Promise<void> {
    const now = this.#clock.now();
    this.#lastPassAt = now;
    const pending = await this.#store.executions.dispatchable(now, this.#options.batchSize);
    if (pending.length === 0) return;
    const live = await this.#liveInstances();
    // Connected here, or to another live instance (which delivers what we route to it).
    const reachable = (id: string, connectedTo: string | null) => this.#gateway.isConnected(id) || (connectedTo !== null && live.has(connectedTo));
    const executors = (await this.#store.executors.list()).filter((executor) => reachable(executor.id, executor.connectedTo) && executor.status === 'online' && executor.isHealthy);
    let remote = false;
    const load = await this.#store.executions.runningCountByExecutor();
    const taskIds = [...new Set(pending.map((execution) => execution.taskId))];
    const tasks = new Map<string, Task>();
    for (const id of taskIds) {
      const task = await this.#store.tasks.getIncludingDeleted(id);
      if (task) tasks.set(id, task);
    }
    await this.#routing.prepare(taskIds);
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
      const queued = task.executionMode === 'sequential' && execution.trigger !== 'manual';
      if (queued && (busy.has(task.id) || queuedBehind.has(task.id))) {
        queuedBehind.add(task.id);
        waitingReason.set(execution.id, 'waiting for the previous execution of this task (sequential)');
        continue;
      }
      let candidates = eligibleCandidates(task, executors, load);
      // A broadcast shard runs only on the executor it was made for.
      if (execution.executorId !== null) candidates = candidates.filter((candidate) => candidate.id === execution.executorId);
      if (candidates.length === 0) {
        waitingReason.set(execution.id, execution.executorId !== null ? `waiting for executor ${execution.executorId} (broadcast shard)` : noExecutorReason(task, executors));
        if (queued) queuedBehind.add(task.id);
        continue;
      }
      let choice: Candidate | null;
      if (task.loadBalanceStrategy === 'broadcast' && execution.shardTotal === null) {
        choice = await this.#split(task, execution, candidates, now);
        this.wake(); // the new shards are dispatched by the next pass
      } else {
        choice = chooseExecutor(task.loadBalanceStrategy, candidates, this.#routing.state(task.id));
      }
      if (!choice) continue;
      const deadline = now + task.timeoutSeconds * 1000 + this.#options.deadlineGraceMs;
      if (!(await this.#store.executions.claim(execution.id, choice.id, now, deadline))) continue;
      this.#routing.assigned(task.id, choice.id);
      load.set(choice.id, (load.get(choice.id) ?? 0) + 1);
      if (queued) busy.add(task.id);
      if (!this.#gateway.isConnected(choice.id)) {
        remote = true; // the instance holding its socket delivers it
        continue;
      }
      const claimed = (await this.#store.executions.get(execution.id)) ?? execution;
      if (!this.#gateway.send(choice.id, { action: 'run', tasks: [runTask(task, claimed)] })) {
        await completeExecution(this.completionDeps, execution.id, 'failed', { error: 'the executor disconnected before the execution reached it', reason: 'executor_lost' });
        continue;
      }
      await this.#store.executions.markDelivered(execution.id, now);
      this.#events.emit('execution.dispatched', { executionId: execution.id, taskId: task.id, executorId: choice.id });
    }
    if (remote) await this.#store.signals.notify('cronfleet_deliver');
    await this.#routing.flush(now);
    const byReason = new Map<string, string[]>();
    for (const execution of pending) {
      const reason = waitingReason.get(execution.id);
      if (reason === undefined || reason === execution.reason) continue;
      byReason.set(reason, [...(byReason.get(reason) ?? []), execution.id]);
    }
    for (const [reason, ids] of byReason) await this.#store.executions.setPendingReason(ids, reason, now);
  }

  /**
   * broadcast: one execution per eligible executor. The original becomes shard 0 and
   * runs on the first candidate (returned); siblings pre-assigned to the others are
   * shards 1..n-1, linked by parent_id.
   */
  async #split(task: Task, execution: Execution, candidates: Candidate[], now: number): Promise<Candidate> {
    const ordered = [...candidates].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    const total = ordered.length;
    await this.#store.executions.setShard(execution.id, 0, total, now);
    await this.#store.executions.insert(
      ordered.slice(1).map((candidate, index) => ({
        id: newId(now),
        taskId: task.id,
        taskVersion: execution.taskVersion,
        trigger: execution.trigger,
        scheduledTime: execution.scheduledTime,
        fireTime: null,
        parameters: execution.parameters,
        status: 'pending' as const,
        attempt: execution.attempt,
        retryOf: null,
        runAt: null,
        reason: null,
        shardIndex: index + 1,
        shardTotal: total,
        executorId: candidate.id,
        parentId: execution.id,
      })),
      now,
    );
    return ordered[0]!;
  }
}
