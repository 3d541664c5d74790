// The scheduler of one instance: competes for the leader lease and, while leader, runs
// the fire loop, the dispatcher and the sweeps. Followers run none of them.
import type { Clock } from '../domain/clock.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import type { DispatchEvents, TypedEmitter } from '../dispatch/events.ts';
import type { ExecutionFinisher } from '../dispatch/execution-finisher.ts';
import type { ExecutorGateway } from '../dispatch/gateway.ts';
import { REPLACED_RUN_REASON, REPLACED_RUN_STOP } from '../domain/overlap.ts';
import type { Task } from '../domain/task.ts';
import type { Store } from '../store/store.ts';
import { FireLoop, type FiredTask, type FireLoopOptions } from './fire-loop.ts';
import { LEADER_LEASE, Leadership } from './leadership.ts';
import { Sweeps } from './sweeps.ts';

export interface SchedulerOptions {
  instanceId: string;
  leaseTtlMs: number;
  leaseRenewMs: number;
  sweepIntervalMs: number;
  heartbeatIntervalMs: number;
  fireLoop: FireLoopOptions;
}

export interface SchedulerEvents extends DispatchEvents {
  fired: { tasks: FiredTask[] };
  'leader.elected': { token: number };
  'leader.deposed': Record<string, never>;
  /** A task was created, changed or deleted through this instance. */
  'task.changed': Record<string, never>;
}

/**
 * Fires are recorded this long ahead of their instant and dispatched at it (see
 * fire-loop.ts): enough for an instant of 1,000 fires on a busy small machine.
 */
const FIRE_LEAD_MS = 500;

export class Scheduler {
  readonly #store: Store;
  readonly #dispatcher: Dispatcher;
  readonly #events: TypedEmitter<SchedulerEvents>;
  readonly leadership: Leadership;
  readonly fireLoop: FireLoop;
  readonly sweeps: Sweeps;

  constructor(
    store: Store,
    clock: Clock,
    gateway: ExecutorGateway,
    dispatcher: Dispatcher,
    events: TypedEmitter<SchedulerEvents>,
    options: SchedulerOptions,
    /** The one component that finishes executions: the sweeps end runs through it. */
    finisher: ExecutionFinisher,
  ) {
    this.#store = store;
    this.#dispatcher = dispatcher;
    this.#events = events;
    const onError = (error: unknown) => events.emit('error', { error });
    this.fireLoop = new FireLoop(
      store,
      clock,
      { leadMs: FIRE_LEAD_MS, ...options.fireLoop },
      {
        fence: () => (this.leadership.token === null ? null : { lease: LEADER_LEASE, holder: options.instanceId, token: this.leadership.token }),
        onFired: (fired, tasks) => this.#onFired(fired, tasks),
        onError,
      },
    );
    // Sweep at least every half heartbeat interval: a lost executor is then judged within
    // half an interval of its loss window (protocol/executor-messages.ts lossWindowMs).
    const sweepIntervalMs = Math.min(options.sweepIntervalMs, options.heartbeatIntervalMs / 2);
    this.sweeps = new Sweeps(
      store,
      clock,
      gateway,
      finisher,
      { intervalMs: sweepIntervalMs, heartbeatIntervalMs: options.heartbeatIntervalMs, onLost: (executor, runs) => events.emit('executor.lost', { executorId: executor.id, name: executor.name, runs }) },
      onError,
    );
    this.leadership = new Leadership(store, {
      instanceId: options.instanceId,
      ttlMs: options.leaseTtlMs,
      renewMs: options.leaseRenewMs,
      onElected: (token) => {
        events.emit('leader.elected', { token });
        this.fireLoop.start();
        dispatcher.start();
        this.sweeps.start();
      },
      onDeposed: () => {
        events.emit('leader.deposed', {});
        void this.fireLoop.stop().catch(onError);
        void dispatcher.stop().catch(onError);
        void this.sweeps.stop().catch(onError);
      },
      onError,
    });
  }

  get isLeader(): boolean {
    return this.leadership.isLeader;
  }

  async start(): Promise<void> {
    await this.leadership.start();
  }

  async stop(): Promise<void> {
    await this.leadership.stop();
    await Promise.all([this.fireLoop.stop(), this.#dispatcher.stop(), this.sweeps.stop()]);
  }

  /** A task changed: recompute what fires next. */
  wake(): void {
    this.fireLoop.wake();
  }

  async #onFired(tasks: FiredTask[], read: Task[]): Promise<void> {
    for (const task of tasks) {
      for (const id of task.replaced) {
        const execution = await this.#store.executions.get(id);
        if (execution) await this.#dispatcher.stopExecution(execution, REPLACED_RUN_STOP === 'kill', REPLACED_RUN_REASON);
      }
    }
    this.#events.emit('fired', { tasks });
    this.#dispatcher.wakeForFires(read);
  }
}
