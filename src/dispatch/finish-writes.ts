// The ends of executions, written together: every terminal write the finisher asks for in
// one turn of the event loop is one guarded UPDATE (store: finishMany; turn-batch.ts). Each
// row keeps the end time its finisher stamped; each caller hears whether its own row ended
// the execution, or the statement's error (then none of it was written).
//
// Two rows for one execution in one turn (racing reports): the store writes the first, and
// the later ones are answered false: the first one's write ended the execution, or the
// execution had already ended and none of them could.
import type { Clock } from '../domain/clock.ts';
import type { FinishRow } from '../store/execution-finishes.ts';
import type { Store } from '../store/store.ts';
import { TurnBatch } from './turn-batch.ts';

export class FinishWrites {
  readonly #batch: TurnBatch<FinishRow, boolean>;

  constructor(store: Store, clock: Clock) {
    this.#batch = new TurnBatch(async (rows) => {
      const finished = await store.executions.finishMany(rows, clock.now());
      const answered = new Set<string>();
      return rows.map((row) => {
        const first = !answered.has(row.id);
        answered.add(row.id);
        return first && finished.has(row.id);
      });
    });
  }

  /** Moves a pending or running execution to its terminal status; resolves true when this row did, once written. */
  write(row: FinishRow): Promise<boolean> {
    return this.#batch.add(row);
  }
}
