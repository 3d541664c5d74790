// Leader sweeps: nothing stays `running` forever.
// - overdue: a running execution past its deadline (timeout + grace) whose executor
//   never reported is ended as `timeout`, and its executor told to kill it.
// - lost executors: an agent silent for 3 heartbeat intervals and not connected here
//   goes offline; its running executions fail with reason `executor_lost` (and retry).
import type { Clock, TimerHandle } from '../domain/clock.ts';
import { completeExecution } from '../dispatch/completion.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import type { ExecutorGateway } from '../dispatch/gateway.ts';
import type { Store } from '../store/store.ts';

export interface SweepOptions {
  intervalMs: number;
  heartbeatIntervalMs: number;
}

export class Sweeps {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #gateway: ExecutorGateway;
  readonly #dispatcher: Dispatcher;
  readonly #options: SweepOptions;
  readonly #onError: (error: unknown) => void;
  #timer: TimerHandle | null = null;
  #active = false;
  #idle: Promise<void> = Promise.resolve();

  constructor(store: Store, clock: Clock, gateway: ExecutorGateway, dispatcher: Dispatcher, options: SweepOptions, onError: (error: unknown) => void) {
    this.#store = store;
    this.#clock = clock;
    this.#gateway = gateway;
    this.#dispatcher = dispatcher;
    this.#options = options;
    this.#onError = onError;
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#active = false;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#idle;
  }

  /** One sweep now (tests call it after moving the clock). */
  async sweep(): Promise<void> {
    await this.#overdue();
    await this.#lostExecutors();
  }

  #schedule(delay: number): void {
    this.#timer = this.#clock.setTimer(delay, () => {
      this.#idle = this.sweep()
        .catch(this.#onError)
        .finally(() => {
          if (this.#active) this.#schedule(this.#options.intervalMs);
        });
    });
  }

  async #overdue(): Promise<void> {
    const deps = this.#dispatcher.completionDeps;
    for (const execution of await this.#store.executions.overdue(this.#clock.now(), 100)) {
      if (execution.executorId) this.#gateway.send(execution.executorId, { action: 'kill', tasks: [{ id: execution.id }] });
      await completeExecution(deps, execution.id, 'timeout', { error: 'no result from the executor before the deadline', reason: 'deadline_passed' });
    }
  }

  async #lostExecutors(): Promise<void> {
    // Heartbeats are stamped with wall time on receipt; judge them by wall time too.
    const before = Date.now() - 3 * this.#options.heartbeatIntervalMs;
    const deps = this.#dispatcher.completionDeps;
    for (const executor of await this.#store.executors.stale(before)) {
      if (this.#gateway.isConnected(executor.id)) continue;
      await this.#store.executors.setStatus(executor.id, 'offline', this.#clock.now());
      for (const execution of await this.#store.executions.runningOn(executor.id)) {
        await completeExecution(deps, execution.id, 'failed', { error: `executor '${executor.name}' stopped sending heartbeats`, reason: 'executor_lost' });
      }
    }
  }
}
