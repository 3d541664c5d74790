// The order an executor link's frames are handled in. The frames about one execution
// (its "running", its logs, its result) are handled one after another, in the order
// they came; frames about different executions are handled side by side, so a busy
// link's reports share the database's round trips and commits instead of each waiting
// for the one before. A frame about no execution (the hello) waits for everything
// before it, and everything after it waits for it.
export class FrameOrder {
  /** The last frame about no execution. */
  #barrier: Promise<void> = Promise.resolve();
  /** The last frame of each execution that is still being handled. */
  readonly #tails = new Map<string, Promise<void>>();

  /** Handles a frame in its turn. `handle` must not reject (the gateway reports its errors itself). */
  run(executionId: string | null, handle: () => Promise<void>): Promise<void> {
    if (executionId === null) {
      this.#barrier = this.idle().then(handle);
      return this.#barrier;
    }
    const previous = this.#tails.get(executionId);
    const turn = (previous ? Promise.all([previous, this.#barrier]) : this.#barrier).then(handle);
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
}
