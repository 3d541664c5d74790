// The dispatcher (leader only): moves pending executions to executors. It runs when
// woken (a fire, a finish, a connect, a trigger), when a retry's backoff ends, and on a
// slow safety poll. It applies the overlap rules that depend on what is running at
// dispatch (queue; domain/overlap.ts), and fails a run no executor could take within its
// task's dispatch_timeout_seconds (reason no_executor; the retry policy applies).
import type { Clock } from '../domain/clock.ts';
import { PassLoop } from '../domain/pass-loop.ts';
import { newExecution, type Execution } from '../domain/execution.ts';
import { newId } from '../domain/ids.ts';
import { QUEUE_WAITING_REASON, TaskTurns } from '../domain/overlap.ts';
import { chooseExecutor, type Candidate } from '../domain/routing.ts';
import type { Task } from '../domain/task.ts';
import type { TaskMemory } from '../domain/task-memory.ts';
import { text, type LocalizedText } from '../protocol/messages/index.ts';
import type { Executor } from '../store/executors.ts';
import type { Store } from '../store/store.ts';
import type { DispatchEvents, TypedEmitter } from './events.ts';
import type { ExecutionFinisher } from './execution-finisher.ts';
import { eligibleCandidates, noExecutorReason } from './eligibility.ts';
import type { ExecutorGateway } from './gateway.ts';
import { RoutingMemory } from './routing-memory.ts';
import { messageSized, runTask } from './run-task.ts';

/** Least time between the end of a pass and a woken one (real ms): bounds passes to a few hundred a second. */
/** Why an execution is stopped: the reason code it ends with, and the error when the server ends it itself. */
export interface StopReason {
  reason: string;
  error: LocalizedText;
}
const personStop: StopReason = { reason: 'stopped', error: text('run.stopped') };

const MIN_PASS_SPACING_MS = 5;

/** What one dispatch pass decides on. */
interface PassInputs {
  now: number;
  /** Pending executions ready to run, oldest first. */
  pending: Execution[];
  /** Executors that may take work now: online, healthy and reachable (here or through a live instance). */
  executors: Executor[];
  /** Running executions per executor; counted up as the pass routes. */
  load: Map<string, number>;
  tasks: Map<string, Task>;
  turns: TaskTurns;
}

/** An execution routed to an executor in this pass. */
interface Route {
  execution: Execution;
  task: Task;
  executorId: string;
  deadlineAt: number;
}

export interface DispatcherOptions {
  /** Safety poll: pending work is re-examined at least this often. */
  pollMs: number;
  /** Extra time past a task's timeout before an unreported execution counts as overdue. */
  deadlineGraceMs: number;
  batchSize: number;
  /** An instance silent this long no longer counts as holding its executors' sockets. */
  instanceTimeoutMs: number;
}

/**
 * Whether a run that no executor can take now has waited past its task's dispatch
 * timeout, counted from when it could first run, and at the earliest from when this
 * dispatcher started (after a restart or a failover the executors need a moment to
 * reconnect: what waited while no leader ran is not failed on the first pass). A run
 * waiting only because every executor that could take it is busy keeps waiting: the
 * fleet is working through it.
 */
function dispatchTimedOut(execution: Execution, task: Task, executors: Executor[], now: number, startedAt: number): boolean {
  const since = Math.max(execution.createdAt, execution.runAt ?? 0, startedAt);
  if (now - since < task.dispatchTimeoutSeconds * 1000) return false;
  const idle = new Map<string, number>();
  const able = eligibleCandidates(task, executors, idle).filter((candidate) => execution.executorId === null || candidate.id === execution.executorId);
  return able.length === 0;
}

export class Dispatcher {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #gateway: ExecutorGateway;
  readonly #events: TypedEmitter<DispatchEvents>;
  readonly #options: DispatcherOptions;
  readonly finisher: ExecutionFinisher;
  readonly #routing: RoutingMemory;
  readonly #loop: PassLoop;
  #lastPassAt = 0;
  /** When this dispatcher last started (became leader): dispatch timeouts count from here at the earliest. */
  #startedAt = 0;
  /** Real time (performance.now) the last pass ended; wakes within MIN_PASS_SPACING_MS of it wait. */
  #lastPassEndedAt = -Infinity;
  #spacing: { timer: NodeJS.Timeout; waited: Promise<void>; done: () => void } | null = null;
  /** Tasks read moments ago (by the fire loop, a trigger), shared with the finisher and the API. */
  readonly #recent: TaskMemory;

  /** `finisher`: the one component that finishes executions, shared with the gateway, the HTTP executors and the sweeps. */
  constructor(store: Store, clock: Clock, gateway: ExecutorGateway, events: TypedEmitter<DispatchEvents>, options: DispatcherOptions, finisher: ExecutionFinisher, recent: TaskMemory) {
    this.#store = store;
    this.#recent = recent;
    this.finisher = finisher;
    this.#clock = clock;
    this.#gateway = gateway;
    this.#events = events;
    this.#options = options;
    this.#routing = new RoutingMemory(store);
    this.#loop = new PassLoop({
      clock,
      pass: async () => {
        try {
          // A full batch leaves more ready behind it: the next pass follows at once, not
          // after the reports its own runs set off (a fire of 1,000 tasks is two passes).
          if (await this.#pass()) this.#loop.wake();
        } finally {
          this.#lastPassEndedAt = performance.now();
        }
      },
      // Backoffs ending after the last pass looked (anything due before was handled then),
      // and a slow safety poll.
      nextDelay: async () => {
        const earliest = await this.#store.executions.earliestRunAt(this.#lastPassAt);
        return Math.min(this.#options.pollMs, earliest === null ? Infinity : earliest - this.#clock.now());
      },
      onError: (error) => this.#events.emit('error', { error }),
    });
  }

  start(): void {
    if (this.#loop.active) return;
    this.#startedAt = this.#clock.now();
    this.#routing.forget();
    this.#loop.start();
  }

  stop(): Promise<void> {
    if (this.#spacing) clearTimeout(this.#spacing.timer);
    this.#spacing?.done();
    this.#spacing = null;
    return this.#loop.stop();
  }

  /** Runs a dispatch pass soon; passes never overlap, a wake during one runs another. */
  wake(): void {
    if (this.#spacing) return; // a pass is already on its way
    const sinceLastPass = performance.now() - this.#lastPassEndedAt;
    if (sinceLastPass >= MIN_PASS_SPACING_MS) {
      this.#loop.wake();
      return;
    }
    // Under a stream of triggers and completions, passes that each find one execution
    // cost a dozen queries apiece; a few ms of spacing lets one pass take them together.
    let done = () => {};
    const waited = new Promise<void>((resolve) => (done = resolve));
    const timer = setTimeout(() => {
      this.#spacing = null;
      this.#loop.wake();
      done();
    }, MIN_PASS_SPACING_MS - sinceLastPass);
    this.#spacing = { timer, waited, done };
  }

  /**
   * Runs a pass soon for fires just recorded: `tasks` were read by the fire loop moments
   * ago, so the pass uses them instead of reading each task again (1,000 tasks firing
   * at one instant were 1,000 reads before their runs could go out). A task whose
   * version is not the one its execution fired with is read again.
   */
  wakeForFires(tasks: Task[]): void {
    this.#recent.remember(tasks);
    this.#loop.wake();
  }

  /** Resolves once no dispatch pass is running (tests and shutdown). */
  async settled(): Promise<void> {
    await this.#spacing?.waited;
    await this.#loop.settled();
  }

  /**
   * Stops an execution: a pending one is cancelled at once; a running one is asked to
   * stop and becomes `cancelled` when its executor reports. Returns false if it had ended.
   * `why` is the reason the cancelled execution keeps (default: a person's stop). A running
   * one's reason is written before it is asked to stop, so it is there when its executor's
   * report (which knows only that it was stopped) ends it, whichever instance delivers it.
   */
  async stopExecution(execution: Execution, kill = false, why: StopReason = personStop): Promise<boolean> {
    if (execution.status === 'pending') {
      return (await this.#cancel(execution.id, why.error, why.reason)) === 'finished';
    }
    if (execution.status !== 'running' || execution.executorId === null) return false;
    if (why.reason !== personStop.reason) await this.#store.executions.setStopReason(execution.id, why.reason, this.#clock.now());
    const action = kill ? 'kill' : 'stop';
    if (this.#gateway.send(execution.executorId, { action, tasks: [{ id: execution.id }] })) return true;
    if (await this.#reachableElsewhere(execution.executorId)) {
      // Another instance holds its socket: leave the request where that instance looks.
      await this.#store.executions.requestStop(execution.id, action, this.#clock.now());
      await this.#store.signals.notify('cronfleet_deliver');
      return true;
    }
    // Its executor is not connected anywhere: nothing can stop the process, so end the record.
    return (await this.#cancel(execution.id, text('run.notConnected', { stop: why.error }), why.reason)) === 'finished';
  }

  #cancel(executionId: string, error: LocalizedText, reason: string) {
    return this.finisher.finish({ executionId, status: 'cancelled', by: 'server', error, reason });
  }

  async #reachableElsewhere(executorId: string): Promise<boolean> {
    const executor = await this.#store.executors.get(executorId);
    if (!executor?.connectedTo) return false;
    return (await this.#liveInstances()).has(executor.connectedTo);
  }

  /** Instances that heartbeat recently: executors connected to them can be reached. */
  async #liveInstances(): Promise<Set<string>> {
    const now = await this.#store.now();
    return this.#store.instances.liveIds(now - this.#options.instanceTimeoutMs);
  }

  /**
   * One pass, in steps: load what the pass decides on; route every pending execution
   * (or cancel it, or leave it waiting); claim the routed ones in one batch; send the
   * claimed ones to the executors connected here, in one run message per executor (the
   * instances holding the others deliver them); record why the rest wait. A fire of many
   * tasks costs a few statements, not three per execution. A claim lost to a racing
   * writer only leaves this pass's load counts and cursors a step ahead, which the next
   * pass corrects. Returns whether the batch was full and some of it went out (more may be ready).
   */
  async #pass(): Promise<boolean> {
    const now = this.#clock.now();
    this.#lastPassAt = now;
    const inputs = await this.#loadPassInputs(now);
    if (!inputs) return false;
    const { routed, waitingReasons } = await this.#route(inputs);
    const { here, elsewhere } = await this.#claim(routed, now);
    await this.#send(here, now);
    if (elsewhere) await this.#store.signals.notify('cronfleet_deliver');
    await this.#routing.flush(now);
    await this.#recordWaitingReasons(inputs.pending, waitingReasons, now);
    return inputs.pending.length === this.#options.batchSize && here.size + (elsewhere ? 1 : 0) > 0;
  }

  /** What a pass decides on; null when nothing is pending. */
  async #loadPassInputs(now: number): Promise<PassInputs | null> {
    const pending = await this.#store.executions.dispatchable(now, this.#options.batchSize);
    if (pending.length === 0) return null;
    const live = await this.#liveInstances();
    // Connected here, or to another live instance (which delivers what we route to it).
    const reachable = (id: string, connectedTo: string | null) => this.#gateway.isConnected(id) || (connectedTo !== null && live.has(connectedTo));
    const executors = (await this.#store.executors.list()).filter((executor) => reachable(executor.id, executor.connectedTo) && executor.status === 'online' && executor.isHealthy);
    const load = await this.#store.executions.runningCountByExecutor();
    const taskIds = [...new Set(pending.map((execution) => execution.taskId))];
    const tasks = await this.#tasksOf(pending, taskIds);
    await this.#routing.prepare(taskIds);
    // Only queue tasks wait for a running execution: skip the lookup when there are none.
    const queued = taskIds.filter((id) => tasks.get(id)?.executionMode === 'queue');
    const turns = new TaskTurns(await this.#store.executions.active(queued));
    return { now, pending, executors, load, tasks, turns };
  }

  /** The tasks of these executions: as read moments ago when that is the version they were made from, else read now. */
  async #tasksOf(pending: Execution[], taskIds: string[]): Promise<Map<string, Task>> {
    const tasks = new Map<string, Task>();
    const madeFrom = new Map(pending.map((execution) => [execution.taskId, execution.taskVersion]));
    const read: Task[] = [];
    for (const id of taskIds) {
      let task = this.#recent.recall(id, madeFrom.get(id)!);
      if (task === undefined) {
        task = (await this.#store.tasks.getIncludingDeleted(id)) ?? undefined;
        if (task) read.push(task);
      }
      if (task) tasks.set(id, task);
    }
    // The finisher masks and retries from them when these runs end.
    this.#recent.remember(read);
    return tasks;
  }

  /**
   * Chooses an executor for each pending execution, oldest first. The execution of a
   * deleted task is cancelled; one whose turn has not come (queue) or that no executor
   * can take stays pending, with the reason returned, until its task's dispatch timeout
   * (then it fails: no_executor).
   */
  async #route({ now, pending, executors, load, tasks, turns }: PassInputs): Promise<{ routed: Route[]; waitingReasons: Map<string, LocalizedText> }> {
    const routed: Route[] = [];
    const waitingReasons = new Map<string, LocalizedText>();
    for (const pendingExecution of pending) {
      let execution = pendingExecution;
      const task = tasks.get(execution.taskId);
      if (!task || task.status === 'deleted') {
        await this.#cancel(execution.id, text('run.taskDeleted'), 'task_deleted');
        continue;
      }
      if (turns.mustWait(task.executionMode, execution)) {
        waitingReasons.set(execution.id, QUEUE_WAITING_REASON);
        continue;
      }
      let candidates = eligibleCandidates(task, executors, load);
      // A broadcast shard runs only on the executor it was made for.
      if (execution.executorId !== null) candidates = candidates.filter((candidate) => candidate.id === execution.executorId);
      if (candidates.length === 0) {
        const why = execution.executorId !== null ? text('run.waitingForShardExecutor', { executor: execution.executorId }) : noExecutorReason(task, executors);
        if (dispatchTimedOut(execution, task, executors, now, this.#startedAt)) {
          const waited = text('run.noExecutor', { seconds: task.dispatchTimeoutSeconds, reason: why });
          await this.finisher.finish({ executionId: execution.id, status: 'failed', by: 'server', error: waited, reason: 'no_executor' });
          continue;
        }
        waitingReasons.set(execution.id, why);
        turns.stayed(task.executionMode, execution);
        continue;
      }
      let choice: Candidate | null;
      if (task.loadBalanceStrategy === 'broadcast' && execution.shardTotal === null) {
        const split = await this.#split(task, execution, candidates, now);
        choice = split.choice;
        execution = { ...execution, shardIndex: 0, shardTotal: split.total };
        this.wake(); // the new shards are dispatched by the next pass
      } else {
        choice = chooseExecutor(task.loadBalanceStrategy, candidates, this.#routing.state(task.id));
      }
      if (!choice) continue;
      routed.push({ execution, task, executorId: choice.id, deadlineAt: now + task.timeoutSeconds * 1000 + this.#options.deadlineGraceMs });
      this.#routing.assigned(task.id, choice.id);
      load.set(choice.id, (load.get(choice.id) ?? 0) + 1);
      turns.routed(task.executionMode, execution);
    }
    return { routed, waitingReasons };
  }

  /**
   * Claims the routed executions in one batch. Returns the claimed ones whose executor
   * is connected here, by executor, and whether some went to executors connected to
   * another instance (which delivers them).
   */
  async #claim(routed: Route[], now: number): Promise<{ here: Map<string, Route[]>; elsewhere: boolean }> {
    const claimed = await this.#store.executions.claimMany(
      routed.map((route) => ({ id: route.execution.id, executorId: route.executorId, deadlineAt: route.deadlineAt })),
      now,
    );
    const here = new Map<string, Route[]>();
    let elsewhere = false;
    for (const route of routed) {
      if (!claimed.has(route.execution.id)) continue;
      if (!this.#gateway.isConnected(route.executorId)) {
        elsewhere = true;
        continue;
      }
      const batch = here.get(route.executorId);
      if (batch) batch.push(route);
      else here.set(route.executorId, [route]);
    }
    return { here, elsewhere };
  }

  /**
   * Sends claimed runs to their executors, in message-sized batches; a run whose
   * executor disconnected before the send fails (executor_lost, and may retry).
   */
  async #send(runs: Map<string, Route[]>, now: number): Promise<void> {
    const delivered = new Set<string>();
    for (const [executorId, batch] of runs) {
      // The delivery loop may have sent some already (it sends claimed runs not yet marked delivered).
      const unsent = batch.filter((route) => !this.#gateway.alreadySent(route.execution.id, executorId));
      const runs = unsent.map((route) => {
        const execution: Execution = { ...route.execution, status: 'running', executorId };
        return { route, execution, run: runTask(route.task, execution, this.#gateway.secrets) };
      });
      for (const chunk of messageSized(runs)) {
        if (!this.#gateway.sendRuns(executorId, chunk)) {
          for (const { route } of chunk) {
            await this.finisher.finish({ executionId: route.execution.id, status: 'failed', by: 'server', error: text('run.disconnectedBeforeDelivery'), reason: 'executor_lost' });
          }
          continue;
        }
        for (const { route } of chunk) delivered.add(route.execution.id);
      }
    }
    await this.#store.executions.markDeliveredMany([...delivered], now);
    for (const [executorId, batch] of runs) {
      for (const route of batch) {
        if (delivered.has(route.execution.id)) this.#events.emit('execution.dispatched', { executionId: route.execution.id, taskId: route.task.id, executorId });
      }
    }
  }

  /**
   * Stores why each waiting execution waits (in English, with the message it was worded from),
   * one statement per reason; unchanged reasons are not written again.
   */
  async #recordWaitingReasons(pending: Execution[], waitingReasons: Map<string, LocalizedText>, now: number): Promise<void> {
    const byReason = new Map<string, { why: LocalizedText; ids: string[] }>();
    for (const execution of pending) {
      const why = waitingReasons.get(execution.id);
      if (why === undefined) continue;
      const reason = why.toString();
      if (reason === execution.reason && execution.reasonDetail !== null) continue;
      byReason.set(reason, { why, ids: [...(byReason.get(reason)?.ids ?? []), execution.id] });
    }
    for (const [reason, { why, ids }] of byReason) await this.#store.executions.setPendingReason(ids, reason, now, why);
  }

  /**
   * broadcast: one execution per eligible executor. The original becomes shard 0 and
   * runs on the first candidate (returned); siblings pre-assigned to the others are
   * shards 1..n-1, linked by parent_id.
   */
  async #split(task: Task, execution: Execution, candidates: Candidate[], now: number): Promise<{ choice: Candidate; total: number }> {
    const ordered = [...candidates].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    const total = ordered.length;
    await this.#store.executions.setShard(execution.id, 0, total, now);
    await this.#store.executions.insert(
      ordered.slice(1).map((candidate, index) =>
        newExecution({
          id: newId(now),
          taskId: task.id,
          taskVersion: execution.taskVersion,
          trigger: execution.trigger,
          scheduledTime: execution.scheduledTime,
          parameters: execution.parameters,
          attempt: execution.attempt,
          shardIndex: index + 1,
          shardTotal: total,
          executorId: candidate.id,
          parentId: execution.id,
        }),
      ),
      now,
    );
    return { choice: ordered[0]!, total };
  }
}
