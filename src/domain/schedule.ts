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
//
// Dialects (README "Cron dialects"): the task says which one its expression is written in,
// never the text. Both accept `N/step` (N, N+step, … up to the field's maximum), `L`, `W`,
// `#` and `?`; they differ in fields and weekday numbering: `0 0 12 ? * 2` is Tuesday in
// `standard` (Unix: 0 or 7 = Sunday) and Monday in `quartz` (1 = Sunday … 7 = Saturday).
//
// Bounds (README "Schedules and time zones"): every instant a schedule yields lies in
// [EARLIEST_INSTANT, LATEST_INSTANT], years 1970–9999: a fire must print as an ISO 8601
// date with a four-digit year, fit a JS Date and the BIGINT ms columns, and `@every`
// counts from the epoch. Past the end, next() answers null (the schedule has ended)
// rather than an instant nothing can store or read back. An `@every` interval is 1 s to
// 366 days (MAX_INTERVAL_MS): a yearly cadence is the longest an interval is meant for;
// anything rarer is a cron expression. A schedule given by a client (validateSchedule)
// must also have a time zone that is an IANA name and must fire at least once.
import { Cron } from 'croner';
import { cronDialects, type CronDialect } from '../protocol/enums.ts';
import { CronfleetError } from '../protocol/errors.ts';
import { text, type LocalizedText } from '../protocol/messages/index.ts';

export interface Schedule {
  readonly expression: string;
  readonly timezone: string;
  /** The first fire strictly after `after`, or null when the schedule never fires again. */
  next(after: number): number | null;
  /** Up to `count` of the latest fires at or before `atOrBefore`, oldest first. */
  previous(atOrBefore: number, count: number): number[];
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** 1970-01-01T00:00:00.000Z: `@every` counts from here, and no fire is earlier. */
export const EARLIEST_INSTANT = 0;
/** 9999-12-31T23:59:59.999Z: the last instant with a four-digit year. */
export const LATEST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const MIN_INTERVAL_MS = 1000;
const MAX_INTERVAL_MS = 366 * 86_400_000;

/**
 * How many parsed schedules are kept. A parsed cron expression is large: croner fills a
 * 10,000-entry array for the year field of every pattern (about 80 KB each), so creating
 * one task parsed 240 KB (validation, the check that it still fires, the next fire), half
 * of all a task creation allocated; and the fire loop's own cache of up to 10,000 of them
 * could have held 800 MB. Parsing takes about 12 µs, so a small cache is enough for the
 * common case (many tasks on a few expressions) and bounds what is held to ~5 MB; a fire
 * pass over more distinct expressions than this parses each of them again.
 */
const PARSED_SCHEDULES_KEPT = 64;
const parsedSchedules = new Map<string, Schedule>();

/**
 * A schedule as stored: used to compute fires. It refuses what cannot be computed at all;
 * the rules for what a client may set are validateSchedule's, so a task stored under older
 * rules keeps firing. A schedule is immutable, so the same one is shared by every task and
 * caller that asks for the same expression, zone and dialect (kept while recently used).
 */
export function parseSchedule(expression: string, timezone = 'UTC', dialect: CronDialect = 'standard'): Schedule {
  const key = `${dialect}\u0000${timezone}\u0000${expression}`;
  let schedule = parsedSchedules.get(key);
  if (schedule) {
    parsedSchedules.delete(key); // moved to the newest end: the oldest is dropped first
  } else {
    schedule = parseScheduleUncached(expression, timezone, dialect);
    if (parsedSchedules.size >= PARSED_SCHEDULES_KEPT) parsedSchedules.delete(parsedSchedules.keys().next().value!);
  }
  parsedSchedules.set(key, schedule);
  return schedule;
}

function parseScheduleUncached(expression: string, timezone: string, dialect: CronDialect): Schedule {
  assertKnownTimezone(timezone);
  const trimmed = expression.trim();
  if (trimmed === '') throw invalidCron(expression, text('cron.empty'));
  if (/^@every\b/i.test(trimmed)) return intervalSchedule(trimmed, timezone);
  // A nickname (@daily, @hourly, …) means the same in both dialects.
  const quartz = dialect === 'quartz' && !trimmed.startsWith('@');
  if (!trimmed.startsWith('@')) checkDialect(expression, trimmed.split(/\s+/), dialect);
  let cron: Cron;
  try {
    cron = new Cron(trimmed, {
      timezone,
      paused: true,
      mode: quartz ? '6-or-7-parts' : 'auto',
      alternativeWeekdays: quartz,
      sloppyRanges: true,
      fixedTimeRule: 'no-wildcard',
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    throw invalidCron(expression, parserReason(reason));
  }
  return new CronSchedule(trimmed, timezone, cron);
}

/**
 * A schedule a client sends (a task's, a preview's): parseSchedule, plus a time zone that
 * is an IANA name, an `@every` of at most MAX_INTERVAL_MS, and at least one fire after
 * `from` (default: 2000-01-01; a task passes now). Errors name the field.
 */
export function validateSchedule(expression: string, timezone: string, from = Date.UTC(2000, 0, 1), dialect: CronDialect = 'standard'): Schedule {
  assertTimezone(timezone);
  const schedule = parseSchedule(expression, timezone, dialect);
  if (schedule instanceof IntervalSchedule && schedule.interval > MAX_INTERVAL_MS) {
    throw invalidCron(expression, text('cron.intervalTooLong'));
  }
  // An expression like `0 0 30 2 *` parses but never fires; say so now rather than never.
  if (schedule.next(from) === null) {
    throw invalidCron(expression, from === Date.UTC(2000, 0, 1) ? text('cron.neverMatches') : text('cron.noFireAfter', { from: new Date(from).toISOString() }));
  }
  return schedule;
}

/** Lists the next `count` fires strictly after `from` (fewer when the schedule ends, at year 9999 at the latest). */
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

let ianaZones: ReadonlySet<string> | null = null;

/**
 * A time zone a client may set is an IANA name: one of Intl.supportedValuesOf('timeZone'),
 * 'UTC', an 'Etc/…' zone (Etc/UTC, Etc/GMT+5), or an IANA alias of one of them (US/Eastern,
 * Asia/Calcutta), any letter case. Offsets are not names: '+05:00' and '-0300' (which
 * Intl accepts as offset zones) are refused, as are 'GMT+5' and 'UTC+5' (Intl refuses them).
 */
export function assertTimezone(timezone: string): void {
  const resolved = resolveTimezone(timezone);
  ianaZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (resolved === null || !(resolved === 'UTC' || resolved.startsWith('Etc/') || ianaZones.has(resolved))) throw invalidTimezone(timezone);
}

/** Any zone Intl can compute with (stored tasks may predate assertTimezone's rule). */
function assertKnownTimezone(timezone: string): void {
  if (resolveTimezone(timezone) === null) throw invalidTimezone(timezone);
}

function resolveTimezone(timezone: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

function invalidTimezone(timezone: string): CronfleetError {
  return new CronfleetError('invalid_timezone', text('schedule.timezone', { timezone }), {
    field: 'timezone',
    value: timezone,
  });
}

/** A dialect a client names; absent means standard. */
export function parseDialect(value: unknown): CronDialect {
  if (value === undefined || value === null) return 'standard';
  if (typeof value === 'string' && (cronDialects as readonly string[]).includes(value)) return value as CronDialect;
  throw new CronfleetError('invalid_cron', text('schedule.dialect', { value: String(JSON.stringify(value)), dialects: cronDialects.map((name) => `'${name}'`).join(' or ') }), {
    field: 'cron_dialect',
    value,
  });
}

/**
 * The rules croner does not know or words poorly: a Quartz expression has 6 or 7 fields and
 * `?` in exactly one of day-of-month and day-of-week; a weekday number is 0–7 in `standard`
 * and 1–7 in `quartz`.
 */
function checkDialect(expression: string, fields: string[], dialect: CronDialect): void {
  if (dialect === 'quartz') {
    if (fields.length < 6 || fields.length > 7) {
      throw invalidCron(expression, text('cron.quartzFields', { count: fields.length }));
    }
    const [dayOfMonth, dayOfWeek] = [fields[3]!, fields[5]!];
    if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
      throw invalidCron(expression, text('cron.quartzQuestionMark'));
    }
  }
  const dayOfWeek = dialect === 'quartz' ? fields[5] : fields[fields.length === 5 ? 4 : 5];
  if (dayOfWeek === undefined) return;
  const [low, high] = dialect === 'quartz' ? [1, 7] : [0, 7];
  // Each list item: a value or range, then an optional /step, #nth or L; only the weekdays are checked.
  for (const item of dayOfWeek.split(',')) {
    for (const value of item
      .replace(/\/.*$|#.*$/, '')
      .replace(/L$/i, '')
      .split('-')) {
      if (!/^\d+$/.test(value)) continue;
      if (Number(value) < low || Number(value) > high) {
        throw invalidCron(expression, text('cron.weekdayRange', { value, dialect, low, high }));
      }
    }
  }
}

/**
 * croner's own reason, kept word for word in English; for other languages it is sorted into
 * a kind (and the field it names), which is all a translation can say without its text.
 */
function parserReason(reason: string): LocalizedText {
  const parts = /requires exactly (\d+) parts, but pattern .* has (\d+) parts/.exec(reason);
  if (parts) return text('cron.parser', { reason, kind: 'parts', part: `${parts[2]} / ${parts[1]}` });
  const value = /^Invalid value for (\w+)/.exec(reason);
  if (value) return text('cron.parser', { reason, kind: 'value', part: value[1]! });
  const kind = /range|larger than/i.test(reason) ? 'range' : /step/i.test(reason) ? 'step' : 'syntax';
  return text('cron.parser', { reason, kind, part: '' });
}

function invalidCron(expression: string, reason: LocalizedText): CronfleetError {
  return new CronfleetError('invalid_cron', text('cron.invalid', { expression, reason }), {
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
    // Before the epoch, start there; at or past the end (or not a number), nothing is left.
    let cursor = Math.max(after, EARLIEST_INSTANT - 1);
    if (!(cursor < LATEST_INSTANT)) return null;
    // A few iterations at most: each skips one repeated wall time.
    for (let guard = 0; guard < 10_000; guard++) {
      const next = this.#cron.nextRun(new Date(cursor));
      if (next === null) return null;
      const at = next.getTime();
      if (!(at <= LATEST_INSTANT)) return null;
      if (!this.#wall.isRepeat(at)) return at;
      cursor = at;
    }
    return null;
  }

  previous(atOrBefore: number, count: number): number[] {
    const until = Math.min(atOrBefore, LATEST_INSTANT);
    if (!(until >= EARLIEST_INSTANT)) return [];
    return this.#cron
      .previousRuns(count, new Date(until + 1))
      .map((date) => date.getTime())
      .filter((at) => at <= until && at >= EARLIEST_INSTANT && !this.#wall.isRepeat(at))
      .reverse();
  }
}

function intervalSchedule(expression: string, timezone: string): Schedule {
  const body = expression.replace(/^@every\s*/i, '');
  const parts = [...body.matchAll(/(\d+)\s*(ms|s|m|h|d)/gi)];
  const consumed = parts.map((part) => part[0]).join('');
  if (parts.length === 0 || consumed.replace(/\s/g, '') !== body.replace(/\s/g, '')) {
    throw invalidCron(expression, text('cron.intervalShape'));
  }
  const interval = parts.reduce((sum, part) => sum + Number(part[1]) * (UNIT_MS[part[2]!.toLowerCase()] ?? 0), 0);
  if (interval < MIN_INTERVAL_MS) throw invalidCron(expression, text('cron.intervalTooShort'));
  // Beyond this not even one fire is representable (validateSchedule's limit is far lower).
  if (!(interval <= LATEST_INSTANT)) throw invalidCron(expression, text('cron.intervalTooLong'));
  return new IntervalSchedule(expression, timezone, interval);
}

class IntervalSchedule implements Schedule {
  readonly expression: string;
  readonly timezone: string;
  readonly interval: number;

  constructor(expression: string, timezone: string, interval: number) {
    this.expression = expression;
    this.timezone = timezone;
    this.interval = interval;
  }

  next(after: number): number | null {
    const at = after < EARLIEST_INSTANT ? EARLIEST_INSTANT : (Math.floor(after / this.interval) + 1) * this.interval;
    return at <= LATEST_INSTANT ? at : null;
  }

  previous(atOrBefore: number, count: number): number[] {
    const last = Math.floor(Math.min(atOrBefore, LATEST_INSTANT) / this.interval) * this.interval;
    return Array.from({ length: count }, (_, index) => last - (count - 1 - index) * this.interval).filter((at) => at >= EARLIEST_INSTANT);
  }
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
