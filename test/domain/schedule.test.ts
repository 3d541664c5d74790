// Schedules: cron (5- and 6-field), nicknames, `@every` intervals, time zones and the
// DST rule documented at the top of src/domain/schedule.ts. Instants are asserted in
// UTC; the trailing comments give the local wall time they stand for.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CronfleetError } from '../../src/protocol/errors.ts';
import { LATEST_INSTANT, nextFires, parseSchedule, validateSchedule, type Schedule } from '../../src/domain/schedule.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (instants: number[]) => instants.map((instant) => new Date(instant).toISOString());

function fires(expression: string, timezone: string, from: string, count: number): string[] {
  return iso(nextFires(parseSchedule(expression, timezone), at(from), count));
}

/** What a client may not set (validateSchedule: everything parseSchedule refuses, and more). */
function assertRejected(expression: string, timezone: string, code: 'invalid_cron' | 'invalid_timezone', from?: number): void {
  assert.throws(
    () => validateSchedule(expression, timezone, from),
    (error: unknown) => {
      assert.ok(error instanceof CronfleetError, 'a CronfleetError');
      assert.equal(error.code, code);
      assert.equal(error.details?.field, code === 'invalid_cron' ? 'cron_expression' : 'timezone');
      return true;
    },
  );
}

describe('cron expressions', () => {
  it('a 5-field expression fires on the minute', () => {
    assert.deepEqual(fires('*/15 * * * *', 'UTC', '2026-01-05T10:07:30Z', 3), ['2026-01-05T10:15:00.000Z', '2026-01-05T10:30:00.000Z', '2026-01-05T10:45:00.000Z']);
  });

  it("a 6-field expression puts seconds first, as in seed 001's `0 */5 * * * *`", () => {
    assert.deepEqual(fires('0 */5 * * * *', 'UTC', '2026-01-05T10:02:00Z', 3), ['2026-01-05T10:05:00.000Z', '2026-01-05T10:10:00.000Z', '2026-01-05T10:15:00.000Z']);
  });

  it('a 6-field expression can fire several times a minute', () => {
    assert.deepEqual(fires('*/20 * * * * *', 'UTC', '2026-01-05T10:00:05Z', 3), ['2026-01-05T10:00:20.000Z', '2026-01-05T10:00:40.000Z', '2026-01-05T10:01:00.000Z']);
  });

  it('the next fire is strictly after the given instant, even when that instant is a fire', () => {
    assert.deepEqual(fires('0 * * * *', 'UTC', '2026-01-05T10:00:00Z', 1), ['2026-01-05T11:00:00.000Z']);
  });

  it('a job on February 29 fires only in leap years', () => {
    assert.deepEqual(fires('0 0 29 2 *', 'UTC', '2026-01-01T00:00:00Z', 2), ['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z']);
  });
});

describe('nicknames', () => {
  // 2026-01-05 is a Monday.
  const from = '2026-01-05T10:20:00Z';

  it('@hourly fires at the top of every hour', () => {
    assert.deepEqual(fires('@hourly', 'UTC', from, 2), ['2026-01-05T11:00:00.000Z', '2026-01-05T12:00:00.000Z']);
  });

  it('@daily fires at midnight', () => {
    assert.deepEqual(fires('@daily', 'UTC', from, 2), ['2026-01-06T00:00:00.000Z', '2026-01-07T00:00:00.000Z']);
  });

  it('@weekly fires at midnight on Sunday', () => {
    assert.deepEqual(fires('@weekly', 'UTC', from, 2), ['2026-01-11T00:00:00.000Z', '2026-01-18T00:00:00.000Z']);
  });

  it('@monthly fires at midnight on the first of the month', () => {
    assert.deepEqual(fires('@monthly', 'UTC', from, 2), ['2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z']);
  });

  it('@yearly fires at midnight on January 1', () => {
    assert.deepEqual(fires('@yearly', 'UTC', from, 2), ['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']);
  });

  it('a nickname follows the task time zone', () => {
    assert.deepEqual(fires('@daily', 'Asia/Shanghai', from, 1), ['2026-01-05T16:00:00.000Z']); // 2026-01-06 00:00 CST
  });
});

describe('@every intervals', () => {
  it('@every 30s fires on multiples of 30 s since the Unix epoch', () => {
    assert.deepEqual(fires('@every 30s', 'UTC', '2026-01-05T10:20:10Z', 3), ['2026-01-05T10:20:30.000Z', '2026-01-05T10:21:00.000Z', '2026-01-05T10:21:30.000Z']);
  });

  it('@every 1h30m fires on multiples of 90 minutes since the Unix epoch', () => {
    const next = nextFires(parseSchedule('@every 1h30m', 'UTC'), at('2026-01-05T10:20:10Z'), 3);
    assert.deepEqual(iso(next), ['2026-01-05T10:30:00.000Z', '2026-01-05T12:00:00.000Z', '2026-01-05T13:30:00.000Z']);
    for (const instant of next) assert.equal(instant % 5_400_000, 0);
  });

  it('an interval does not depend on the time zone', () => {
    assert.deepEqual(fires('@every 1h30m', 'Asia/Shanghai', '2026-01-05T10:20:10Z', 3), fires('@every 1h30m', 'UTC', '2026-01-05T10:20:10Z', 3));
  });

  it('an interval keeps its pace across a spring-forward gap', () => {
    const next = nextFires(parseSchedule('@every 1h', 'America/New_York'), at('2026-03-08T05:30:00Z'), 4);
    assert.deepEqual(iso(next), ['2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-08T08:00:00.000Z', '2026-03-08T09:00:00.000Z']);
  });

  it('an interval fires in both occurrences of a repeated fall-back hour, since it counts elapsed time', () => {
    assert.deepEqual(fires('@every 30m', 'America/New_York', '2026-11-01T04:45:00Z', 5), [
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T06:00:00.000Z', // 01:00 EST
      '2026-11-01T06:30:00.000Z', // 01:30 EST
      '2026-11-01T07:00:00.000Z', // 02:00 EST
    ]);
  });
});

describe('time zones', () => {
  it('a wall time is read in the task time zone', () => {
    assert.deepEqual(fires('0 9 * * *', 'Asia/Shanghai', '2026-01-05T00:00:00Z', 2), ['2026-01-05T01:00:00.000Z', '2026-01-06T01:00:00.000Z']);
  });

  it('the time zone defaults to UTC', () => {
    const schedule = parseSchedule('0 9 * * *');
    assert.equal(schedule.timezone, 'UTC');
    assert.deepEqual(iso(nextFires(schedule, at('2026-01-05T00:00:00Z'), 1)), ['2026-01-05T09:00:00.000Z']);
  });

  it('a schedule remembers its expression and time zone', () => {
    const schedule = parseSchedule('0 9 * * *', 'Asia/Shanghai');
    assert.equal(schedule.expression, '0 9 * * *');
    assert.equal(schedule.timezone, 'Asia/Shanghai');
  });
});

describe('DST in America/New_York: spring forward on 2026-03-08 (02:00 EST → 03:00 EDT)', () => {
  it('a fixed-time job in the spring-forward gap runs once at the end of the gap', () => {
    assert.deepEqual(fires('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 2), [
      '2026-03-08T07:00:00.000Z', // 03:00 EDT, the first instant after the gap
      '2026-03-09T06:30:00.000Z', // 02:30 EDT the next day
    ]);
  });

  it('a fixed-time job that already ran at the end of the gap does not run again that day', () => {
    assert.deepEqual(fires('30 2 * * *', 'America/New_York', '2026-03-08T07:00:00Z', 1), ['2026-03-09T06:30:00.000Z']);
  });

  it('a 6-field fixed-time job in the gap also runs once at the end of the gap', () => {
    assert.deepEqual(fires('0 30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 1), ['2026-03-08T07:00:00.000Z']);
  });

  it('a step job skips the wall times that do not exist', () => {
    assert.deepEqual(fires('*/30 * * * *', 'America/New_York', '2026-03-08T05:45:00Z', 4), [
      '2026-03-08T06:00:00.000Z', // 01:00 EST
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT: 02:00 and 02:30 do not exist
      '2026-03-08T07:30:00.000Z', // 03:30 EDT
    ]);
  });

  it('a job with a wildcard hour skips the hour that does not exist', () => {
    assert.deepEqual(fires('30 * * * *', 'America/New_York', '2026-03-08T06:00:00Z', 2), [
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-08T07:30:00.000Z', // 03:30 EDT: 02:30 does not exist
    ]);
  });

  // A list is not a wildcard: the job is fixed-time (croner's fixedTimeRule 'no-wildcard').
  it('a fixed-time job listing several hours still runs its fire in the gap once at the end of the gap', () => {
    assert.deepEqual(fires('0 2,14 * * *', 'America/New_York', '2026-03-08T05:00:00Z', 2), [
      '2026-03-08T07:00:00.000Z', // 03:00 EDT, standing in for 02:00
      '2026-03-08T18:00:00.000Z', // 14:00 EDT
    ]);
  });
});

describe('DST in America/New_York: fall back on 2026-11-01 (02:00 EDT → 01:00 EST)', () => {
  it('a fixed-time job in the repeated hour fires once, on the first occurrence', () => {
    assert.deepEqual(fires('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2), [
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; never 01:30 EST (06:30Z)
      '2026-11-02T06:30:00.000Z', // 01:30 EST the next day
    ]);
  });

  it('a fixed-time job does not fire again on the second occurrence of its wall time', () => {
    assert.deepEqual(fires('30 1 * * *', 'America/New_York', '2026-11-01T05:30:00Z', 1), ['2026-11-02T06:30:00.000Z']);
  });

  it('a step job fires the repeated wall times only on their first occurrence', () => {
    assert.deepEqual(fires('*/30 * * * *', 'America/New_York', '2026-11-01T04:45:00Z', 4), [
      '2026-11-01T05:00:00.000Z', // 01:00 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; not 01:00 EST (06:00Z) nor 01:30 EST (06:30Z)
      '2026-11-01T07:00:00.000Z', // 02:00 EST
      '2026-11-01T07:30:00.000Z', // 02:30 EST
    ]);
  });

  it('a per-second job jumps over the whole repeated hour', () => {
    assert.deepEqual(fires('* * * * * *', 'America/New_York', '2026-11-01T05:59:58Z', 2), [
      '2026-11-01T05:59:59.000Z', // 01:59:59 EDT
      '2026-11-01T07:00:00.000Z', // 02:00:00 EST
    ]);
  });
});

describe('DST in Europe/London: spring forward on 2026-03-29 (01:00 GMT → 02:00 BST)', () => {
  it('a fixed-time job in the spring-forward gap runs once at the end of the gap', () => {
    assert.deepEqual(fires('30 1 * * *', 'Europe/London', '2026-03-28T12:00:00Z', 2), [
      '2026-03-29T01:00:00.000Z', // 02:00 BST
      '2026-03-30T00:30:00.000Z', // 01:30 BST the next day
    ]);
  });

  it('a step job skips the wall times that do not exist', () => {
    assert.deepEqual(fires('*/30 * * * *', 'Europe/London', '2026-03-29T00:15:00Z', 3), [
      '2026-03-29T00:30:00.000Z', // 00:30 GMT
      '2026-03-29T01:00:00.000Z', // 02:00 BST: 01:00 and 01:30 do not exist
      '2026-03-29T01:30:00.000Z', // 02:30 BST
    ]);
  });
});

describe('DST in Europe/London: fall back on 2026-10-25 (02:00 BST → 01:00 GMT)', () => {
  it('a fixed-time job in the repeated hour fires once, on the first occurrence', () => {
    assert.deepEqual(fires('30 1 * * *', 'Europe/London', '2026-10-24T12:00:00Z', 2), [
      '2026-10-25T00:30:00.000Z', // 01:30 BST; never 01:30 GMT (01:30Z)
      '2026-10-26T01:30:00.000Z', // 01:30 GMT the next day
    ]);
  });

  it('a step job fires the repeated wall times only on their first occurrence', () => {
    assert.deepEqual(fires('*/30 * * * *', 'Europe/London', '2026-10-24T23:45:00Z', 3), [
      '2026-10-25T00:00:00.000Z', // 01:00 BST
      '2026-10-25T00:30:00.000Z', // 01:30 BST; not 01:00 GMT (01:00Z) nor 01:30 GMT (01:30Z)
      '2026-10-25T02:00:00.000Z', // 02:00 GMT
    ]);
  });
});

describe('nextFires', () => {
  it('lists the requested number of fires in order', () => {
    const next = nextFires(parseSchedule('@hourly'), at('2026-01-05T10:20:00Z'), 24);
    assert.equal(next.length, 24);
    for (let index = 1; index < next.length; index++) assert.equal(next[index]! - next[index - 1]!, 3_600_000);
  });

  it('lists nothing when asked for no fires', () => {
    assert.deepEqual(nextFires(parseSchedule('@hourly'), at('2026-01-05T10:20:00Z'), 0), []);
  });

  it('stops early when the schedule ends', () => {
    const end = at('2026-01-05T12:00:00Z');
    const ending: Schedule = { expression: 'test', timezone: 'UTC', next: (after) => (after < end ? end : null), previous: () => [] };
    assert.deepEqual(iso(nextFires(ending, at('2026-01-05T10:00:00Z'), 5)), ['2026-01-05T12:00:00.000Z']);
  });
});

describe('invalid schedules', () => {
  it('an expression with too few fields is an invalid_cron', () => assertRejected('* * *', 'UTC', 'invalid_cron'));
  it('an expression with too many fields is an invalid_cron', () => assertRejected('* * * * * * * *', 'UTC', 'invalid_cron'));
  it('minute 61 is an invalid_cron', () => assertRejected('61 * * * *', 'UTC', 'invalid_cron'));
  it('hour 25 is an invalid_cron', () => assertRejected('0 25 * * *', 'UTC', 'invalid_cron'));
  it('day of month 32 is an invalid_cron', () => assertRejected('0 0 32 * *', 'UTC', 'invalid_cron'));
  it('month 13 is an invalid_cron', () => assertRejected('0 0 1 13 *', 'UTC', 'invalid_cron'));
  it('garbage text is an invalid_cron', () => assertRejected('hello world', 'UTC', 'invalid_cron'));
  it('an empty expression is an invalid_cron', () => assertRejected('   ', 'UTC', 'invalid_cron'));
  it('an unknown nickname is an invalid_cron', () => assertRejected('@fortnightly', 'UTC', 'invalid_cron'));
  it('@every 0s is an invalid_cron', () => assertRejected('@every 0s', 'UTC', 'invalid_cron'));
  it('an interval under one second is an invalid_cron', () => assertRejected('@every 500ms', 'UTC', 'invalid_cron'));
  it('@every 5x is an invalid_cron', () => assertRejected('@every 5x', 'UTC', 'invalid_cron'));
  it('@every without a duration is an invalid_cron', () => assertRejected('@every', 'UTC', 'invalid_cron'));
  it('@every with a number but no unit is an invalid_cron', () => assertRejected('@every 30', 'UTC', 'invalid_cron'));
  it('an expression that never fires (February 30) is an invalid_cron', () => assertRejected('0 0 30 2 *', 'UTC', 'invalid_cron'));
  it('an expression that never fires (April 31) is an invalid_cron', () => assertRejected('0 0 31 4 *', 'UTC', 'invalid_cron'));
  it('an unknown time zone is an invalid_timezone', () => assertRejected('0 * * * *', 'Mars/Olympus_Mons', 'invalid_timezone'));
  it('an unknown time zone is an invalid_timezone for an interval too', () => assertRejected('@every 30s', 'Mars/Olympus_Mons', 'invalid_timezone'));
  it('an empty time zone is an invalid_timezone', () => assertRejected('0 * * * *', '', 'invalid_timezone'));

  it('the error carries the rejected expression', () => {
    assert.throws(() => parseSchedule('61 * * * *'), { code: 'invalid_cron', details: { field: 'cron_expression', value: '61 * * * *' } });
  });
});

describe('bounds: every instant of a schedule is representable (years 1970–9999)', () => {
  it('an interval too long for any instant to be stored (@every 99999999999h) is an invalid_cron', () => {
    assertRejected('@every 99999999999h', 'UTC', 'invalid_cron');
    assert.throws(() => parseSchedule('@every 99999999999h'), { code: 'invalid_cron' });
  });
  it('an interval with more digits than a number holds is an invalid_cron', () => assertRejected(`@every ${'9'.repeat(400)}s`, 'UTC', 'invalid_cron'));
  it('an interval of up to 366 days is accepted', () => assert.equal(validateSchedule('@every 366d', 'UTC').next(0), 366 * 86_400_000));
  it('an interval over 366 days is an invalid_cron', () => {
    assertRejected('@every 367d', 'UTC', 'invalid_cron');
    assertRejected('@every 8785h', 'UTC', 'invalid_cron');
  });
  it('an interval ends at year 9999 instead of yielding an instant past it', () => {
    const schedule = parseSchedule('@every 1h');
    assert.equal(schedule.next(LATEST_INSTANT - 1000), null);
    assert.deepEqual(iso(nextFires(schedule, at('9999-12-31T21:30:00Z'), 5)), ['9999-12-31T22:00:00.000Z', '9999-12-31T23:00:00.000Z']);
  });
  it('a cron expression ends at year 9999 too', () => {
    const schedule = parseSchedule('0 0 0 1 1 * 9999');
    assert.deepEqual(iso(nextFires(schedule, at('2026-01-01T00:00:00Z'), 3)), ['9999-01-01T00:00:00.000Z']);
    assert.equal(parseSchedule('* * * * *').next(8.64e15), null);
    assert.equal(parseSchedule('* * * * *').next(Number.NaN), null);
  });
  it('no fire is before 1970: asking from earlier starts at the epoch', () => {
    assert.equal(parseSchedule('@every 1h').next(-5e12), 0);
    assert.deepEqual(parseSchedule('@every 1h').previous(-1, 3), []);
  });
  it('an expression whose only fires are past (a year field) is an invalid_cron for a schedule set now', () => {
    assertRejected('0 0 0 1 1 * 2001', 'UTC', 'invalid_cron', at('2026-01-01T00:00:00Z'));
    assert.doesNotThrow(() => parseSchedule('0 0 0 1 1 * 2001'), 'a stored one still parses (it has simply ended)');
  });
});

describe('time zones a client may set are IANA names', () => {
  for (const zone of ['UTC', 'Etc/UTC', 'Etc/GMT+5', 'Asia/Shanghai', 'America/New_York', 'US/Eastern', 'Asia/Calcutta', 'asia/shanghai', 'GMT']) {
    it(`'${zone}' is accepted`, () => assert.doesNotThrow(() => validateSchedule('0 0 * * *', zone)));
  }
  for (const zone of ['+05:00', '-0300', '+05', 'GMT+5', 'UTC+5', 'Z', 'Etc/Nowhere', ' UTC']) {
    it(`'${zone}' is an invalid_timezone`, () => assertRejected('0 0 * * *', zone, 'invalid_timezone'));
  }
  it('a stored task whose zone predates the rule still computes its fires', () => {
    assert.equal(new Date(parseSchedule('0 0 * * *', '+05:00').next(at('2026-01-01T00:00:00Z'))!).toISOString(), '2026-01-01T19:00:00.000Z');
  });
});

describe('parsed schedules are shared', () => {
  it('the same expression, zone and dialect give the same schedule (a parsed cron expression holds ~80 KB)', () => {
    assert.equal(parseSchedule('17 3 * * *', 'Asia/Shanghai'), parseSchedule('17 3 * * *', 'Asia/Shanghai', 'standard'));
    assert.notEqual(parseSchedule('17 3 * * *', 'Asia/Shanghai'), parseSchedule('17 3 * * *', 'UTC'));
    assert.notEqual(parseSchedule('0 0 12 ? * 2', 'UTC', 'standard'), parseSchedule('0 0 12 ? * 2', 'UTC', 'quartz'));
  });
  it('a shared schedule answers as a fresh one would, whoever asked before', () => {
    const shared = parseSchedule('0 0 12 ? * 2', 'UTC', 'quartz');
    shared.next(at('2030-01-01T00:00:00Z'));
    shared.previous(at('2020-01-01T00:00:00Z'), 3);
    assert.equal(iso([parseSchedule('0 0 12 ? * 2', 'UTC', 'quartz').next(at('2026-01-05T00:00:00Z'))!])[0], '2026-01-05T12:00:00.000Z'); // Monday in quartz
  });
  it('only recent schedules are kept: one not asked for since 64 others were is parsed again', () => {
    const first = parseSchedule('1 1 1 1 *');
    for (let other = 0; other < 64; other++) parseSchedule(`${other % 60} ${2 + Math.floor(other / 60)} 2 2 *`);
    assert.notEqual(parseSchedule('1 1 1 1 *'), first);
  });
  it('an expression that does not parse is refused every time (a refusal is not kept)', () => {
    assert.throws(() => parseSchedule('61 * * * *'), CronfleetError);
    assert.throws(() => parseSchedule('61 * * * *'), CronfleetError);
  });
});
