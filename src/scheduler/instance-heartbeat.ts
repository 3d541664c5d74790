// This instance's row in scheduler_instances, refreshed every beat, so the cluster (and
// `GET /system/status`) can see which servers are alive and where executors can be reached.
import { hostname } from 'node:os';
import type { Store } from '../store/store.ts';

export interface InstanceHeartbeatOptions {
  instanceId: string;
  version: string;
  intervalMs: number;
  address(): string | null;
  onError(error: unknown): void;
}

/** Rows silent this long belong to instances that are gone for good (a restart gets a new id). */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

export class InstanceHeartbeat {
  readonly #store: Store;
  readonly #options: InstanceHeartbeatOptions;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | null = null;
  #beating: Promise<void> = Promise.resolve();

  constructor(store: Store, options: InstanceHeartbeatOptions) {
    this.#store = store;
    this.#options = options;
  }

  async start(): Promise<void> {
    if (this.#timer) return;
    await this.#beat();
    // Never fails the start: a database that cannot write now (an outage, a full disk)
    // is retried by the next beats, and pruning waits for the next start.
    await this.#store
      .now()
      .then((now) => this.#store.instances.prune(now - FORGET_AFTER_MS))
      .catch((error: unknown) => this.#options.onError(error));
    this.#timer = setInterval(() => {
      this.#beating = this.#beat();
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#beating;
    await this.#store.instances.remove(this.#options.instanceId).catch((error: unknown) => this.#options.onError(error));
  }

  async #beat(): Promise<void> {
    try {
      const now = await this.#store.now();
      await this.#store.instances.beat({ id: this.#options.instanceId, hostname: hostname(), pid: process.pid, version: this.#options.version, address: this.#options.address(), startedAt: this.#startedAt }, now);
    } catch (error) {
      this.#options.onError(error);
    }
  }
}
