// The starts executors report, written together: every "running" heard in one turn of
// the event loop is recorded by one UPDATE (turn-batch.ts), at one moment of the server's
// clock (a start is stamped when the server hears it: executor clocks drift).
import type { Clock } from '../domain/clock.ts';
import type { Store } from '../store/store.ts';
import { TurnBatch } from './turn-batch.ts';

export class StartMarks {
  readonly #batch: TurnBatch<string, number>;

  constructor(store: Store, clock: Clock) {
    this.#batch = new TurnBatch(async (ids) => {
      const now = clock.now();
      await store.executions.markStarted(ids, now, now);
      return ids.map(() => now);
    });
  }

  /** Records that a running execution started; resolves with the start time written, once it is. */
  mark(executionId: string): Promise<number> {
    return this.#batch.add(executionId);
  }
}
