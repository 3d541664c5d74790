// A Clock whose time moves only when a test says so. Timers fire in time order.
import type { Clock, TimerHandle } from '../../src/domain/clock.ts';

interface Timer {
  at: number;
  order: number;
  callback: () => void;
}

export class FakeClock implements Clock {
  #now: number;
  #timers = new Set<Timer>();
  #order = 0;

  constructor(start: number | string = '2026-01-05T00:00:00.000Z') {
    this.#now = typeof start === 'string' ? Date.parse(start) : start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    // A timer already due runs on its own, as a real one would: async work that re-arms
    // "now" after a test's advance() returned must not wait for the next advance().
    if (delayMs <= 0) {
      const handle = setImmediate(callback);
      return { cancel: () => clearImmediate(handle) };
    }
    const timer = { at: this.#now + delayMs, order: this.#order++, callback };
    this.#timers.add(timer);
    return { cancel: () => this.#timers.delete(timer) };
  }

  /** Number of armed timers (tests check that loops keep one armed, and only one). */
  get pending(): number {
    return this.#timers.size;
  }

  /** Sets the time without firing timers (a process that was down while time passed). */
  set(time: number | string): void {
    this.#now = typeof time === 'string' ? Date.parse(time) : time;
  }

  /** Moves time forward, firing due timers in order and letting their async work run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      const next = [...this.#timers].filter((timer) => timer.at <= target).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (!next) break;
      this.#timers.delete(next);
      this.#now = Math.max(this.#now, next.at);
      next.callback();
      await flush();
    }
    this.#now = target;
    await flush();
  }
}

/** Lets pending promise chains and I/O callbacks run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
