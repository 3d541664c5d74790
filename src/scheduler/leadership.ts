// Leader election by lease, also when running alone: the same code path single or
// clustered. Renews every `renewMs`; losing a renewal deposes us at once.
import type { Store } from '../store/store.ts';

export const LEADER_LEASE = 'scheduler-leader';

export interface LeadershipOptions {
  instanceId: string;
  ttlMs: number;
  renewMs: number;
  onElected(token: number): void;
  onDeposed(): void;
  onError(error: unknown): void;
}

export class Leadership {
  readonly #store: Store;
  readonly #options: LeadershipOptions;
  #timer: NodeJS.Timeout | null = null;
  #token: number | null = null;
  #stopped = true;
  #round: Promise<void> = Promise.resolve();

  constructor(store: Store, options: LeadershipOptions) {
    this.#store = store;
    this.#options = options;
  }

  get isLeader(): boolean {
    return this.#token !== null;
  }

  get token(): number | null {
    return this.#token;
  }

  async start(): Promise<void> {
    if (!this.#stopped) return;
    this.#stopped = false;
    await this.#tick();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#round;
    if (this.#token !== null) {
      this.#token = null;
      this.#options.onDeposed();
      await this.#store.leases.release(LEADER_LEASE, this.#options.instanceId).catch((error: unknown) => this.#options.onError(error));
    }
  }

  /** One renewal after the previous one; never rejects (a failing callback is reported). */
  #tick(): Promise<void> {
    this.#round = this.#round.then(() => this.#renew()).catch((error: unknown) => this.#options.onError(error));
    return this.#round;
  }

  async #renew(): Promise<void> {
    if (this.#stopped) return;
    let grant = null;
    try {
      grant = await this.#store.leases.acquire(LEADER_LEASE, this.#options.instanceId, this.#options.ttlMs);
    } catch (error) {
      this.#options.onError(error);
    }
    const was = this.#token;
    this.#token = grant?.token ?? null;
    if (was === null && this.#token !== null) this.#options.onElected(this.#token);
    else if (was !== null && this.#token !== was) {
      this.#options.onDeposed();
      if (this.#token !== null) this.#options.onElected(this.#token);
    }
    if (!this.#stopped) this.#timer = setTimeout(() => void this.#tick(), this.#options.renewMs);
  }
}
