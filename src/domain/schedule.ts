// Schedules: cron expressions (via croner), nicknames and `@every` intervals, each in
// an IANA time zone. All instants are epoch milliseconds.
//
// DST rule (documented in README "Schedules and time zones"):
// - A wall time skipped by spring-forward: a fixed-time job (no wildcard or step in its
//   second/minute/hour fields: `30 2 * * *`, `0 2,14 * * *`) runs once at the first valid
//   instant after the gap (03:00); a job with a wildcard or step there (`*/30 * * * *`)
//   skips the times that do not exist.
// - A wall time repeated by fall-back fires only on its first occurrence, for every
//   kind of cron job: the repeated hour never fires twice.
// - `@every` intervals count elapsed time from the Unix epoch, so DST never moves them.
import { Cron } from 'croner';
import { CronfleetError } from '../protocol/errors.ts';

export interface Schedule {
  readonly expression: string;
  readonly timezone: string;
  /** The first fire strictly after `after`, or null when the schedule never fires again. */
  next(after: number): number | null;
  /** Up to `count` of the latest fires at or before `atOrBefore`, oldest first. */
  previous(atOrBefore: number, count: number): number[];
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseSchedule(expression: string, timezone = 'UTC'): Schedule {
  assertTimezone(timezone);
  const trimmed = expression.trim();
  if (trimmed === '') throw invalidCron(expression, 'the expression is empty');
  if (/^@every\b/i.test(trimmed)) return intervalSchedule(trimmed, timezone);
  let cron: Cron;
  try {
    cron = new Cron(trimmed, { timezone, paused: true, mode: 'auto', fixedTimeRule: 'no-wildcard' });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    throw invalidCron(expression, reason);
  }
  const schedule = new CronSchedule(trimmed, timezone, cron);
  // An expression like `0 0 30 2 *` parses but never fires; say so now rather than never.
  if (schedule.next(Date.UTC(2000, 0, 1)) === null) throw invalidCron(expression, 'the expression never matches a date');
  return schedule;
}

/** Lists the next `count` fires strictly after `from`. */
export function nextFires(schedule: Schedule, from: number, count: number): number[] {
  const fires: number[] = [];
  let cursor = from;
  while (fires.length < count) {
    const next = schedule.next(cursor);
    if (next === null) break;
    fires.push(next);
    cursor = next;
  }
  return fires;
}

export function assertTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new CronfleetError('invalid_timezone', `unknown time zone '${timezone}': use an IANA name such as 'UTC' or 'Asia/Shanghai'`, {
      field: 'timezone',
      value: timezone,
    });
  }
}

function invalidCron(expression: string, reason: string): CronfleetError {
  return new CronfleetError('invalid_cron', `invalid cron expression '${expression}': ${reason}`, {
    field: 'cron_expression',
    value: expression,
  });
}

class CronSchedule implements Schedule {
  readonly expression: string;
  readonly timezone: string;
  readonly #cron: Cron;
  readonly #wall: WallClock;

  constructor(expression: string, timezone: string, cron: Cron) {
    this.expression = expression;
    this.timezone = timezone;
    this.#cron = cron;
    this.#wall = new WallClock(timezone);
  }

  next(after: number): number | null {
    let cursor = after;
    // A few iterations at most: each skips one repeated wall time.
    for (let guard = 0; guard < 10_000; guard++) {
      const next = this.#cron.nextRun(new Date(cursor));
      if (next === null) return null;
      const at = next.getTime();
      if (!this.#wall.isRepeat(at)) return at;
      cursor = at;
    }
    return null;
  }

  previous(atOrBefore: number, count: number): number[] {
    return this.#cron
      .previousRuns(count, new Date(atOrBefore + 1))
      .map((date) => date.getTime())
      .filter((at) => at <= atOrBefore && !this.#wall.isRepeat(at))
      .reverse();
  }
}

function intervalSchedule(expression: string, timezone: string): Schedule {
  const body = expression.replace(/^@every\s*/i, '');
  const parts = [...body.matchAll(/(\d+)\s*(ms|s|m|h|d)/gi)];
  const consumed = parts.map((part) => part[0]).join('');
  if (parts.length === 0 || consumed.replace(/\s/g, '') !== body.replace(/\s/g, '')) {
    throw invalidCron(expression, "an interval looks like '@every 30s', '@every 5m' or '@every 1h30m'");
  }
  const interval = parts.reduce((sum, part) => sum + Number(part[1]) * (UNIT_MS[part[2]!.toLowerCase()] ?? 0), 0);
  if (interval < 1000) throw invalidCron(expression, 'an interval must be at least 1s');
  return {
    expression,
    timezone,
    next: (after) => (Math.floor(after / interval) + 1) * interval,
    previous(atOrBefore, count) {
      const last = Math.floor(atOrBefore / interval) * interval;
      return Array.from({ length: count }, (_, index) => last - (count - 1 - index) * interval).filter((at) => at >= 0);
    },
  };
}

/** Answers whether an instant's local wall time already occurred earlier (fall-back). */
class WallClock {
  readonly #format: Intl.DateTimeFormat;

  constructor(timezone: string) {
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }

  isRepeat(at: number): boolean {
    const offsetNow = this.offsetMs(at);
    // Transitions are at most a few hours apart from any instant we care about; 3 h covers
    // every zone in use (largest shift is 2 h, e.g. Antarctica/Troll).
    const offsetBefore = this.offsetMs(at - 3 * 3_600_000);
    if (offsetBefore <= offsetNow) return false;
    const earlier = at - (offsetBefore - offsetNow);
    return this.#wallString(earlier) === this.#wallString(at);
  }

  offsetMs(at: number): number {
    const parts = this.#format.formatToParts(new Date(at));
    const get = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0);
    const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return asUtc - Math.floor(at / 1000) * 1000;
  }

  #wallString(at: number): string {
    return this.#format.format(new Date(at));
  }
}
