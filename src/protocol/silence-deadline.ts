// A link's liveness deadline that this process's own stalls cannot trip. Node runs due
// timers before it reads sockets, so after the event loop was held up (a long GC pause,
// a machine with more work than cores) a plain timeout fires while the peer's frames sit
// unread in the socket. So when the deadline passes, the verdict waits one turn of the
// loop (setImmediate runs after the loop has read what arrived); and when the timer itself
// fired late, time this process was not running is not counted as the peer's silence: it
// gets that long again (at most one deadline) to be heard.

export class SilenceDeadline {
  readonly #ms: number;
  readonly #onSilent: () => void;
  #lastHeard = performance.now();
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  /** How late the last timer fired, ms: a stall of this process, not of the peer. */
  #stalledMs = 0;
  #graced = false;

  constructor(ms: number, onSilent: () => void) {
    this.#ms = ms;
    this.#onSilent = onSilent;
  }

  /** A sign of life: the deadline counts from now. */
  heard(): void {
    if (this.#stopped) return;
    this.#lastHeard = performance.now();
    this.#graced = false;
    if (this.#timer === null) this.#arm(this.#ms);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(ms: number): void {
    const due = performance.now() + ms;
    this.#timer = setTimeout(() => {
      this.#stalledMs = performance.now() - due;
      setImmediate(() => this.#judge());
    }, ms);
    this.#timer.unref();
  }

  #judge(): void {
    this.#timer = null;
    if (this.#stopped) return;
    const silentFor = performance.now() - this.#lastHeard;
    if (silentFor < this.#ms) {
      this.#arm(this.#ms - silentFor);
    } else if (!this.#graced && this.#stalledMs > this.#ms / 10) {
      this.#graced = true;
      this.#arm(Math.min(this.#stalledMs, this.#ms));
    } else {
      this.#stopped = true;
      this.#onSilent();
    }
  }
}
