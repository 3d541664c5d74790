// The starts executors report, written together: every "running" heard in one turn of
// the event loop is recorded by one UPDATE, at one moment of the server's clock (a
// start is stamped when the server hears it: executor clocks drift). A busy link's
// starts then share a statement and a round trip instead of one each.
import type { Clock } from '../domain/clock.ts';
import type { Store } from '../store/store.ts';

export class StartMarks {
  readonly #store: Store;
  readonly #clock: Clock;
  #ids: string[] = [];
  #written: Promise<number> | null = null;

  constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Records that a running execution started; resolves with the start time written, once it is. */
  mark(executionId: string): Promise<number> {
    this.#ids.push(executionId);
    this.#written ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#write());
    return this.#written;
  }

  async #write(): Promise<number> {
    const ids = this.#ids;
    this.#ids = [];
    this.#written = null;
    const now = this.#clock.now();
    await this.#store.executions.markStarted(ids, now, now);
    return now;
  }
}
