// The two cron dialects: N/step in every field, weekday numbering, Quartz's `?` rule, and
// the schedule in words in both languages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CronDialect } from '../../src/protocol/enums.ts';
import { describeSchedule, pickLocale } from '../../src/domain/schedule-description.ts';
import { nextFires, parseSchedule } from '../../src/domain/schedule.ts';

const from = Date.UTC(2026, 11, 2); // a Wednesday
const fires = (expression: string, dialect: CronDialect, count = 3) => nextFires(parseSchedule(expression, 'UTC', dialect), from, count).map((at) => new Date(at).toISOString());
const weekday = (iso: string) => new Date(iso).toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' });
const refusal = (expression: string, dialect: CronDialect) => {
  try {
    parseSchedule(expression, 'UTC', dialect);
  } catch (error) {
    return error as Error & { code: string; details: Record<string, unknown> };
  }
  assert.fail(`'${expression}' (${dialect}) was accepted`);
};

describe('N/step', () => {
  it('means N, N+step, … up to the field maximum, in every field', () => {
    assert.deepEqual(fires('0 0/5 * * * ?', 'quartz'), ['2026-12-02T00:05:00.000Z', '2026-12-02T00:10:00.000Z', '2026-12-02T00:15:00.000Z']);
    assert.deepEqual(fires('0/10 * * * * ?', 'quartz'), ['2026-12-02T00:00:10.000Z', '2026-12-02T00:00:20.000Z', '2026-12-02T00:00:30.000Z']);
    assert.deepEqual(fires('5/20 * * * *', 'standard', 4), ['2026-12-02T00:05:00.000Z', '2026-12-02T00:25:00.000Z', '2026-12-02T00:45:00.000Z', '2026-12-02T01:05:00.000Z']);
    assert.deepEqual(fires('0 20/2 * * *', 'standard'), ['2026-12-02T20:00:00.000Z', '2026-12-02T22:00:00.000Z', '2026-12-03T20:00:00.000Z']);
    assert.deepEqual(fires('0 0 1 10/1 *', 'standard', 2), ['2027-10-01T00:00:00.000Z', '2027-11-01T00:00:00.000Z']);
  });
});

describe('weekday numbering', () => {
  it('reads the same expression as different days in the two dialects', () => {
    assert.equal(weekday(fires('0 0 12 ? * 2', 'quartz')[0]!), 'Monday');
    assert.equal(weekday(fires('0 0 12 ? * 2', 'standard')[0]!), 'Tuesday');
    assert.equal(weekday(fires('0 0 12 ? * 1', 'quartz')[0]!), 'Sunday');
    assert.equal(weekday(fires('0 0 12 ? * 7', 'quartz')[0]!), 'Saturday');
    assert.equal(weekday(fires('0 12 * * 0', 'standard')[0]!), 'Sunday');
    assert.equal(weekday(fires('0 12 * * 7', 'standard')[0]!), 'Sunday');
  });

  it('reads L, W, LW and # with each dialect’s numbering', () => {
    assert.deepEqual(fires('0 0 12 ? * 6L', 'quartz', 2), ['2026-12-25T12:00:00.000Z', '2027-01-29T12:00:00.000Z']); // last Friday
    assert.deepEqual(fires('0 0 12 ? * 2#1', 'quartz', 2), ['2026-12-07T12:00:00.000Z', '2027-01-04T12:00:00.000Z']); // first Monday
    assert.deepEqual(fires('0 0 12 LW * ?', 'quartz', 2), ['2026-12-31T12:00:00.000Z', '2027-01-29T12:00:00.000Z']); // last weekday
    assert.deepEqual(fires('0 0 12 15W * ?', 'quartz', 1), ['2026-12-15T12:00:00.000Z']);
    assert.deepEqual(fires('0 0 12 * * ? 2027', 'quartz', 1), ['2027-01-01T12:00:00.000Z']); // the optional year
  });

  it('keeps nicknames and intervals the same in both', () => {
    assert.deepEqual(fires('@daily', 'quartz', 1), fires('@daily', 'standard', 1));
    assert.deepEqual(fires('@every 90s', 'quartz', 2), fires('@every 90s', 'standard', 2));
  });
});

describe('refusals name the rule', () => {
  it('quartz without ? where quartz requires it, or with it in both day fields', () => {
    for (const expression of ['0 0 12 * * *', '0 0 12 ? * ?', '0 0 12 1 * MON']) {
      const error = refusal(expression, 'quartz');
      assert.equal(error.code, 'invalid_cron');
      assert.equal(error.details.field, 'cron_expression');
      assert.match(error.message, /'\?' in exactly one of day-of-month and day-of-week/);
    }
  });

  it('a quartz expression with 5 fields', () => {
    assert.match(refusal('0 12 * * *', 'quartz').message, /quartz expression has 6 or 7 fields.*has 5/);
  });

  it('a weekday out of range for the dialect', () => {
    assert.match(refusal('0 0 12 ? * 0', 'quartz').message, /day-of-week 0 is out of range for the quartz dialect \(1–7/);
    assert.match(refusal('0 0 12 ? * 1-8', 'quartz').message, /day-of-week 8 is out of range for the quartz dialect/);
    assert.match(refusal('0 12 * * 8', 'standard').message, /day-of-week 8 is out of range for the standard dialect \(0–7/);
  });
});

describe('the schedule in words', () => {
  it('in English and Simplified Chinese, with the dialect’s weekdays', () => {
    assert.equal(describeSchedule('0 0/5 * * * ?', 'quartz', 'en'), 'Every 5 minutes');
    assert.equal(describeSchedule('0 0 12 ? * 2', 'quartz', 'en'), 'At 12:00, only on Monday');
    assert.equal(describeSchedule('0 0 12 ? * 2', 'standard', 'en'), 'At 12:00, only on Tuesday');
    assert.equal(describeSchedule('0 0 12 ? * 2', 'quartz', 'zh-CN'), '在12:00, 仅星期一');
    assert.equal(describeSchedule('0 0 12 ? * 6L', 'quartz', 'en'), 'At 12:00, on the last Friday of the month');
    assert.equal(describeSchedule('@every 1h30m', 'standard', 'en'), 'Every 1 hour 30 minutes');
    assert.equal(describeSchedule('@every 30s', 'standard', 'zh-CN'), '每 30 秒');
  });

  it('picks the language from a locale field, then Accept-Language', () => {
    assert.equal(pickLocale('zh-CN', 'en'), 'zh-CN');
    assert.equal(pickLocale('en', 'zh-CN'), 'en');
    assert.equal(pickLocale(undefined, 'zh-CN,zh;q=0.9,en;q=0.8'), 'zh-CN');
    assert.equal(pickLocale(undefined, 'en-US,en;q=0.9,zh;q=0.8'), 'en');
    assert.equal(pickLocale(undefined, 'fr;q=1, zh-TW;q=0.5'), 'zh-CN');
    assert.equal(pickLocale(undefined, undefined), 'en');
  });
});
