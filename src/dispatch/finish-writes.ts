// The ends of executions, written together: every terminal write the finisher asks for in
// one turn of the event loop is one guarded UPDATE (store: finishMany), as start-marks.ts
// does for starts. A busy link's results then share a statement and a round trip instead
// of one each. Each row keeps the end time its finisher stamped; each caller hears whether
// its own row ended the execution, or the statement's error (then none of it was written).
//
// Two rows for one execution in one turn (racing reports): the store writes the first, and
// the later ones are answered false: the first one's write ended the execution, or the
// execution had already ended and none of them could.
import type { Clock } from '../domain/clock.ts';
import type { FinishRow } from '../store/execution-finishes.ts';
import type { Store } from '../store/store.ts';

export class FinishWrites {
  readonly #store: Store;
  readonly #clock: Clock;
  #rows: FinishRow[] = [];
  #written: Promise<boolean[]> | null = null;

  constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Moves a pending or running execution to its terminal status; resolves true when this row did, once written. */
  write(row: FinishRow): Promise<boolean> {
    const position = this.#rows.push(row) - 1;
    this.#written ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#write());
    return this.#written.then((finished) => finished[position]!);
  }

  /** Writes the rows of this turn; answers each row in the order they came. */
  async #write(): Promise<boolean[]> {
    const rows = this.#rows;
    this.#rows = [];
    this.#written = null;
    const finished = await this.#store.executions.finishMany(rows, this.#clock.now());
    const answered = new Set<string>();
    return rows.map((row) => {
      const first = !answered.has(row.id);
      answered.add(row.id);
      return first && finished.has(row.id);
    });
  }
}
