// Delivery (every instance): the leader routes an execution to an executor by writing
// it; the instance holding that executor's socket sends it. Woken by the leader in the
// same process, by NOTIFY on PostgreSQL, and by a short poll otherwise.
import type { Clock, TimerHandle } from '../domain/clock.ts';
import type { Store } from '../store/store.ts';
import type { DispatchEvents, TypedEmitter } from './events.ts';
import type { ExecutorGateway } from './gateway.ts';
import { runTask } from './run-task.ts';

export interface DeliveryOptions {
  /** How often to look without a wake-up: short where the database cannot push. */
  pollMs: number;
}

export class Delivery {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #gateway: ExecutorGateway;
  readonly #events: TypedEmitter<DispatchEvents>;
  readonly #options: DeliveryOptions;
  #timer: TimerHandle | null = null;
  #active = false;
  #busy = false;
  #again = false;
  #idle: Promise<void> = Promise.resolve();

  constructor(store: Store, clock: Clock, gateway: ExecutorGateway, events: TypedEmitter<DispatchEvents>, options: DeliveryOptions) {
    this.#store = store;
    this.#clock = clock;
    this.#gateway = gateway;
    this.#events = events;
    this.#options = options;
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#store.signals.listen('cronfleet_deliver', () => this.wake());
    this.wake();
  }

  async stop(): Promise<void> {
    this.#active = false;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#idle;
  }

  wake(): void {
    if (!this.#active) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    this.#idle = this.#run();
  }

  async #run(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#pass();
      } while (this.#again && this.#active);
    } catch (error) {
      this.#events.emit('error', { error });
    } finally {
      this.#busy = false;
      if (this.#active) {
        this.#timer?.cancel();
        // Real time, not the injected clock: this is transport polling, not scheduling.
        const handle = setTimeout(() => this.wake(), this.#options.pollMs);
        handle.unref();
        this.#timer = { cancel: () => clearTimeout(handle) };
      }
    }
  }

  async #pass(): Promise<void> {
    const connected = this.#gateway.connectedIds();
    if (connected.length === 0) return;
    const now = this.#clock.now();
    for (const execution of await this.#store.executions.undelivered(connected, 200)) {
      const task = await this.#store.tasks.getIncludingDeleted(execution.taskId);
      if (!task || execution.executorId === null) continue;
      if (this.#gateway.send(execution.executorId, { action: 'run', tasks: [runTask(task, execution)] })) {
        await this.#store.executions.markDelivered(execution.id, now);
        this.#events.emit('execution.dispatched', { executionId: execution.id, taskId: task.id, executorId: execution.executorId });
      }
    }
    for (const stop of await this.#store.executions.pendingStops(connected)) {
      if (this.#gateway.send(stop.executorId, { action: stop.action, tasks: [{ id: stop.id }] })) await this.#store.executions.markStopDelivered(stop.id, now);
    }
  }
}
