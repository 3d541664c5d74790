// Delivery (every instance): the leader routes an execution to an executor by writing
// it; the instance holding that executor's socket sends it. Woken by the leader in the
// same process, by NOTIFY on PostgreSQL, and by a short poll otherwise.
import { systemClock, type Clock } from '../domain/clock.ts';
import { PassLoop } from '../domain/pass-loop.ts';
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
  readonly #loop: PassLoop;

  constructor(store: Store, clock: Clock, gateway: ExecutorGateway, events: TypedEmitter<DispatchEvents>, options: DeliveryOptions) {
    this.#store = store;
    this.#clock = clock;
    this.#gateway = gateway;
    this.#events = events;
    this.#options = options;
    this.#loop = new PassLoop({
      // Real time, not the injected clock: this is transport polling, not scheduling.
      clock: systemClock,
      pass: () => this.#pass(),
      nextDelay: async () => this.#options.pollMs,
      onError: (error) => this.#events.emit('error', { error }),
    });
  }

  start(): void {
    if (this.#loop.active) return;
    this.#store.signals.listen('cronfleet_deliver', () => this.wake());
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  wake(): void {
    this.#loop.wake();
  }

  async #pass(): Promise<void> {
    const connected = this.#gateway.connectedIds();
    if (connected.length === 0) return;
    const now = this.#clock.now();
    for (const execution of await this.#store.executions.undelivered(connected, 200)) {
      const task = await this.#store.tasks.getIncludingDeleted(execution.taskId);
      if (!task || execution.executorId === null) continue;
      if (this.#gateway.alreadySent(execution.id, execution.executorId)) continue; // the dispatcher just sent it
      if (this.#gateway.sendRuns(execution.executorId, [{ execution, run: runTask(task, execution, this.#gateway.secrets) }])) {
        await this.#store.executions.markDelivered(execution.id, now);
        this.#events.emit('execution.dispatched', { executionId: execution.id, taskId: task.id, executorId: execution.executorId });
      }
    }
    for (const stop of await this.#store.executions.pendingStops(connected)) {
      if (this.#gateway.send(stop.executorId, { action: stop.action, tasks: [{ id: stop.id }] })) await this.#store.executions.markStopDelivered(stop.id, now);
    }
  }
}
