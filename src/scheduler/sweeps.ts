// Leader sweeps: nothing stays `running` forever.
// - overdue: a running execution past its deadline (timeout + grace) whose executor
//   never reported is ended as `timeout`, and its executor told to kill it.
// - lost executors: an agent with no heartbeat for the loss window (lossWindowMs, two
//   heartbeat intervals) and not connected here goes offline; its running executions
//   fail with reason `executor_lost` (and retry). A missing heartbeat is evidence only
//   when it could have been written: no loss is judged until this leader has led, and
//   reached the database, for a whole loss window. So a new leader gives agents time to
//   reconnect (and report runs that ended meanwhile), and an outage's unwritten
//   heartbeats are not taken for silence. A heartbeat brings an offline agent back.
import type { Clock, TimerHandle } from '../domain/clock.ts';
import { lossWindowMs } from '../protocol/executor-messages.ts';
import type { ExecutionFinisher } from '../dispatch/execution-finisher.ts';
import type { ExecutorGateway } from '../dispatch/gateway.ts';
import { text } from '../protocol/messages/index.ts';
import type { Store } from '../store/store.ts';

export interface SweepOptions {
  intervalMs: number;
  heartbeatIntervalMs: number;
  /** An agent was judged lost, with how many running executions it had. */
  onLost?(executor: { id: string; name: string }, runs: number): void;
}

export class Sweeps {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #gateway: ExecutorGateway;
  readonly #finisher: ExecutionFinisher;
  readonly #options: SweepOptions;
  readonly #onError: (error: unknown) => void;
  #timer: TimerHandle | null = null;
  #active = false;
  #idle: Promise<void> = Promise.resolve();
  /** Wall time before which no executor is judged lost (see the header). */
  #judgeLossFrom = 0;

  constructor(store: Store, clock: Clock, gateway: ExecutorGateway, finisher: ExecutionFinisher, options: SweepOptions, onError: (error: unknown) => void) {
    this.#store = store;
    this.#clock = clock;
    this.#gateway = gateway;
    this.#finisher = finisher;
    this.#options = options;
    this.#onError = onError;
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#graceFromNow();
    this.#schedule(0);
  }

  /** Wall time from which executors may be judged lost (tests: the reconnect grace). */
  get judgesLossFrom(): number {
    return this.#judgeLossFrom;
  }

  #graceFromNow(): void {
    this.#judgeLossFrom = Date.now() + lossWindowMs(this.#options.heartbeatIntervalMs);
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
        .catch((error: unknown) => {
          // The database did not answer: heartbeats may not have been written either.
          this.#graceFromNow();
          this.#onError(error);
        })
        .finally(() => {
          if (this.#active) this.#schedule(this.#options.intervalMs);
        });
    });
  }

  async #overdue(): Promise<void> {
    for (const execution of await this.#store.executions.overdue(this.#clock.now(), 100)) {
      if (execution.executorId) this.#gateway.send(execution.executorId, { action: 'kill', tasks: [{ id: execution.id }] });
      await this.#finisher.finish({ executionId: execution.id, status: 'timeout', by: 'server', error: text('run.deadlinePassed'), reason: 'deadline_passed' });
    }
  }

  async #lostExecutors(): Promise<void> {
    // Heartbeats are stamped with wall time on receipt; judge them by wall time too.
    const now = Date.now();
    if (now < this.#judgeLossFrom) return;
    const before = now - lossWindowMs(this.#options.heartbeatIntervalMs);
    for (const executor of await this.#store.executors.stale(before)) {
      if (this.#gateway.isConnected(executor.id)) continue;
      // An admin's maintenance stays; its runs are lost all the same.
      if (executor.status !== 'maintenance') await this.#store.executors.setStatus(executor.id, 'offline', this.#clock.now());
      const running = await this.#store.executions.runningOn(executor.id);
      // One word per loss: an online agent goes offline here; one in maintenance stays so, said only when it had runs.
      if (executor.status !== 'maintenance' || running.length > 0) this.#options.onLost?.(executor, running.length);
      for (const execution of running) {
        // It may have reached another instance while this loop ran: its runs are its own again.
        if (await this.#heardSince(executor.id, before)) break;
        await this.#finisher.finish({ executionId: execution.id, status: 'failed', by: 'server', error: text('run.heartbeatsStopped', { name: executor.name }), reason: 'executor_lost' });
      }
    }
  }

  async #heardSince(executorId: string, since: number): Promise<boolean> {
    if (this.#gateway.isConnected(executorId)) return true;
    const executor = await this.#store.executors.get(executorId);
    return executor !== null && executor.lastHeartbeat !== null && executor.lastHeartbeat >= since;
  }
}
