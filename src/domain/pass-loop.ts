// A background loop of passes, the shape shared by the fire loop, the dispatcher and
// delivery: woken on demand; never two passes at once (a wake during a pass runs one
// more right after it); after each round a timer re-arms it for the next look. It never
// throws: errors go to onError and the loop keeps going.
import type { Clock, TimerHandle } from './clock.ts';

export interface PassLoopOptions {
  clock: Clock;
  pass(): Promise<void>;
  /** How long until the loop should look again unless woken sooner. */
  nextDelay(): Promise<number>;
  onError(error: unknown): void;
}

export class PassLoop {
  readonly #options: PassLoopOptions;
  #timer: TimerHandle | null = null;
  #active = false;
  #busy = false;
  #again = false;
  /** Bumped by every arming; an arming overtaken by a later one while it awaited is dropped. */
  #arming = 0;
  #idle: Promise<void> = Promise.resolve();

  constructor(options: PassLoopOptions) {
    this.#options = options;
  }

  get active(): boolean {
    return this.#active;
  }

  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.wake();
  }

  /** Stops re-arming and waits for a running pass. Safe to call twice. */
  async stop(): Promise<void> {
    this.#active = false;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#idle;
  }

  wake(): void {
    if (!this.#active) return;
    if (this.#busy) {
      this.#again = true;
      return;
    }
    this.#busy = true;
    this.#idle = this.#run();
  }

  /** Resolves once no pass is running (tests and shutdown). */
  settled(): Promise<void> {
    return this.#idle;
  }

  async #run(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#options.pass();
      } while (this.#again && this.#active);
    } catch (error) {
      this.#options.onError(error);
    } finally {
      this.#busy = false;
      await this.#arm();
    }
  }

  async #arm(): Promise<void> {
    if (!this.#active) return;
    // A wake while nextDelay() is awaited starts a pass that arms again when it ends; the
    // delay computed here is older than that one's and must not replace its timer.
    const arming = ++this.#arming;
    let delay: number;
    try {
      delay = await this.#options.nextDelay();
    } catch (error) {
      this.#options.onError(error);
      delay = 1000;
    }
    if (!this.#active || arming !== this.#arming) return;
    this.#timer?.cancel();
    this.#timer = this.#options.clock.setTimer(delay, () => this.wake());
  }
}
