// The order an executor link's frames are handled in. The frames about one execution
// (its "running", its logs, its result) are handled one after another, in the order
// they came; frames about different executions are handled side by side, up to a limit,
// so a busy link's reports share the database's round trips and commits instead of each
// waiting for the one before, without crowding out the dispatch of runs that are due. A
// frame about no execution (the hello) waits for everything before it, and everything
// after it waits for it.

/** Frames of one link handled at once, at most. */
const FRAMES_IN_FLIGHT = 16;

export class FrameOrder {
  readonly #limit: number;
  /** The last frame about no execution. */
  #barrier: Promise<void> = Promise.resolve();
  /** The last frame of each execution that is still being handled. */
  readonly #tails = new Map<string, Promise<void>>();
  #running = 0;
  /** Frames whose turn came while `#limit` were being handled, first come first served. */
  readonly #waiting: Array<() => void> = [];

  constructor(limit = FRAMES_IN_FLIGHT) {
    this.#limit = limit;
  }

  /** Handles a frame in its turn. `handle` must not reject (the gateway reports its errors itself). */
  run(executionId: string | null, handle: () => Promise<void>): Promise<void> {
    const inSlot = () => this.#inSlot(handle);
    if (executionId === null) {
      this.#barrier = this.idle().then(inSlot);
      return this.#barrier;
    }
    const previous = this.#tails.get(executionId);
    const turn = (previous ? Promise.all([previous, this.#barrier]) : this.#barrier).then(inSlot);
    this.#tails.set(executionId, turn);
    const forget = () => {
      if (this.#tails.get(executionId) === turn) this.#tails.delete(executionId);
    };
    turn.then(forget, forget);
    return turn;
  }

  /** Settles once every frame received so far has been handled. */
  async idle(): Promise<void> {
    await Promise.all([this.#barrier, ...this.#tails.values()]);
  }

  async #inSlot(handle: () => Promise<void>): Promise<void> {
    if (this.#running < this.#limit) this.#running += 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve)); // a finishing frame hands its slot over
    try {
      await handle();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running -= 1;
    }
  }
}
