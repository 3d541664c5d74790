// Times as the console writes them: "2026-12-02 14:00:00 UTC+8". Every time shown names its
// zone by its UTC offset at that instant ("UTC+8", "UTC-4", "UTC+5:30"): the same in English
// and Chinese, never ambiguous (abbreviations are: CST is China, Central and Cuba), and a DST
// change shows as a different offset. The zone UTC itself reads "UTC"; another zone that is at
// offset zero reads "UTC+0", so a London time in winter is not taken for the UTC setting.
// Pure functions of (instant, zone): no React, so they can be unit-tested under Node.

const utcNames = new Set(['UTC', 'Etc/UTC', 'Etc/UCT', 'UCT', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Universal', 'Etc/Zulu', 'Zulu', 'Etc/GMT0', 'GMT0', 'Etc/GMT+0', 'Etc/GMT-0']);

let browserZone: { name: string; readAt: number } | null = null;

/**
 * The zone this browser runs in (IANA name), UTC when it cannot say. Read again at most
 * once a minute: every time shown asks for it on each render, and building the
 * DateTimeFormat that says it costs about a millisecond (a task list's first render spent
 * a tenth of its script time here). A minute is how late a change of the system's zone shows.
 */
export function browserTimeZone(): string {
  const now = Date.now();
  if (browserZone === null || now - browserZone.readAt > 60_000) {
    let name = 'UTC';
    try {
      name = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    } catch {
      // UTC
    }
    browserZone = { name, readAt: now };
  }
  return browserZone.name;
}

// Intl formatters are costly to build and a table renders many times: one per zone and shape.
const cache = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string, options: Intl.DateTimeFormatOptions, locale = 'en-US'): Intl.DateTimeFormat | null {
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let found = cache.get(key);
  if (!found) {
    try {
      found = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    } catch {
      return null; // an unknown zone name
    }
    cache.set(key, found);
  }
  return found;
}

/** Minutes east of UTC of `timeZone` at `instant` (New York in winter: -300). */
function offsetMinutes(instant: Date, timeZone: string): number {
  const part = formatter(timeZone, { timeZoneName: 'longOffset' })
    ?.formatToParts(instant)
    .find((p) => p.type === 'timeZoneName')?.value;
  // "GMT+08:00", "GMT-04:00", "GMT+05:45", and plain "GMT" at offset zero.
  const match = part ? /^GMT([+-\u2212])(\d{1,2}):?(\d{2})?$/.exec(part) : null;
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return match[1] === '+' ? minutes : -minutes;
}

/** "UTC", "UTC+8", "UTC-4", "UTC+5:30", "UTC+0" (a zone other than UTC at offset zero). */
export function zoneLabel(instant: Date, timeZone: string): string {
  if (utcNames.has(timeZone)) return 'UTC';
  const minutes = offsetMinutes(instant, timeZone);
  const sign = minutes < 0 ? '-' : '+';
  const hours = Math.floor(Math.abs(minutes) / 60);
  const rest = Math.abs(minutes) % 60;
  return `UTC${sign}${hours}${rest ? `:${String(rest).padStart(2, '0')}` : ''}`;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(instant: Date, timeZone: string): WallClock | null {
  const parts = formatter(timeZone, { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' })?.formatToParts(instant);
  if (!parts) return null;
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

const pad = (value: number) => String(value).padStart(2, '0');

export interface InstantFormat {
  /** Leave out the seconds ("14:00"). */
  seconds?: boolean;
  /** Leave out the date (a chart's hour axis). */
  date?: boolean;
  /** Leave out the zone label (an axis whose zone is said once beside it). */
  label?: boolean;
  /** Put the weekday first, in this locale ("Wed", "周三"): schedules read by weekday. */
  weekdayLocale?: string;
}

/** "2026-12-02 14:00:00 UTC+8": `instant` on the wall clock of `timeZone`, labelled with that zone. */
export function formatInstant(instant: Date, timeZone: string, options: InstantFormat = {}): string {
  const clock = wallClock(instant, timeZone);
  if (!clock || Number.isNaN(instant.getTime())) return '—';
  const time = `${pad(clock.hour)}:${pad(clock.minute)}${options.seconds === false ? '' : `:${pad(clock.second)}`}`;
  const date = options.date === false ? '' : `${clock.year}-${pad(clock.month)}-${pad(clock.day)} `;
  const weekday = options.weekdayLocale ? `${formatter(timeZone, { weekday: 'short' }, options.weekdayLocale)?.format(instant) ?? ''} ` : '';
  return `${weekday}${date}${time}${options.label === false ? '' : ` ${zoneLabel(instant, timeZone)}`}`;
}

/** An instant as the value of an `<input type="datetime-local">` read in `timeZone` ("2026-12-02T14:00"). */
export function toZonedInputValue(iso: string | null, timeZone: string): string {
  if (!iso) return '';
  const date = new Date(iso);
  const clock = Number.isNaN(date.getTime()) ? null : wallClock(date, timeZone);
  if (!clock) return '';
  return `${clock.year}-${pad(clock.month)}-${pad(clock.day)}T${pad(clock.hour)}:${pad(clock.minute)}`;
}

/**
 * A datetime-local value read as a wall-clock time in `timeZone`, as an ISO instant; null when
 * empty or partial. A wall time in a DST gap (it does not exist) moves forward by the gap
 * (02:30 → 03:30), as the browser does; in the repeated hour it is the first of the two instants.
 */
export function fromZonedInputValue(value: string, timeZone: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  if (Number.isNaN(asUtc)) return null;
  // The offset at the wall time read as UTC is at most one transition away from the right one:
  // try the offsets on both sides and keep the first instant whose wall clock matches.
  const candidates = [offsetMinutes(new Date(asUtc - 86_400_000), timeZone), offsetMinutes(new Date(asUtc + 86_400_000), timeZone)].sort((a, b) => b - a);
  for (const offset of candidates) {
    const instant = asUtc - offset * 60_000;
    if (toZonedInputValue(new Date(instant).toISOString(), timeZone) === value.slice(0, 16)) return new Date(instant).toISOString();
  }
  return new Date(asUtc - (candidates[1] ?? 0) * 60_000).toISOString();
}
