// Backfill (issue 19): the scheduled instants of a past range, run now. Pure: which
// instants a range holds, bounded; the store's fire ledger decides which are new.
import type { Schedule } from './schedule.ts';

/** max_runs when a request leaves it out: bounds what one request can create. */
export const BACKFILL_DEFAULT_MAX_RUNS = 1000;

export interface BackfillRange {
  /** Scheduled instants at or after this, oldest first… */
  from: number;
  /** …up to and including this (already clamped to now by the caller: later ones are the schedule's). */
  to: number;
  maxRuns: number;
}

/**
 * The schedule's instants in [from, to], oldest first, at most maxRuns of them;
 * `truncated` when the range holds more (the request can be repeated from the next one).
 */
export function backfillInstants(schedule: Schedule, range: BackfillRange): { instants: number[]; truncated: boolean } {
  const instants: number[] = [];
  let next = schedule.next(range.from - 1);
  while (next !== null && next <= range.to) {
    if (instants.length === range.maxRuns) return { instants, truncated: true };
    instants.push(next);
    next = schedule.next(next);
  }
  return { instants, truncated: false };
}
