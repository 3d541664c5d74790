// Time is a dependency: the scheduler and sweeps take a Clock so tests can move time.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  /** Runs `callback` once after `delayMs` (or at once when the delay is <= 0). */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

/** setTimeout fires at once for delays above 2^31-1 ms; a longer wait is cut to this and re-checked by its owner. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const handle = setTimeout(callback, Math.min(MAX_TIMER_MS, Math.max(0, delayMs)));
    return { cancel: () => clearTimeout(handle) };
  },
};
