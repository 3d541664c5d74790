// What callers ask for in one turn of the event loop, done together: the first call of a
// turn waits for the turn to end (setImmediate), then one `write` takes every item asked
// for meanwhile and answers each in the order they came; a failed write fails every
// caller of that turn. The starts and the ends executors report are written this way
// (start-marks.ts, finish-writes.ts): a busy link's reports share a statement and a round
// trip instead of one each.
export class TurnBatch<Item, Answer> {
  readonly #write: (items: Item[]) => Promise<Answer[]>;
  #items: Item[] = [];
  #written: Promise<Answer[]> | null = null;

  constructor(write: (items: Item[]) => Promise<Answer[]>) {
    this.#write = write;
  }

  /** Adds an item to this turn's write; resolves with its answer once written. */
  add(item: Item): Promise<Answer> {
    const position = this.#items.push(item) - 1;
    this.#written ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const items = this.#items;
      this.#items = [];
      this.#written = null;
      return this.#write(items);
    });
    return this.#written.then((answers) => answers[position]!);
  }
}
