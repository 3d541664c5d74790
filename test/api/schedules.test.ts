// Fire-time previews: a saved task's next fires, and an unsaved expression's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const now = '2026-01-05T00:00:00.000Z';

describe('next fires of a saved task', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ clock: new FakeClock(now), executor: false });
  });
  after(() => t.close());

  const create = async (body: Record<string, unknown>) => {
    const response = await t.request('POST', '/api/v1/tasks', { command: '/bin/true', ...body });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    return response.body.id as string;
  };

  it('lists the next 10 fires after now for count=10', async () => {
    const id = await create({ name: 'every-five', cron_expression: '0 */5 * * * *', timezone: 'Asia/Shanghai' });
    const response = await t.request('GET', `/api/v1/tasks/${id}/next-fires?count=10`);
    assert.equal(response.status, 200);
    const expected = Array.from({ length: 10 }, (_, i) => new Date(Date.parse(now) + (i + 1) * 5 * 60_000).toISOString());
    assert.deepEqual(response.body.fires, expected);
    assert.equal(response.body.timezone, 'Asia/Shanghai');
  });

  it('lists 10 fires by default and honours another count', async () => {
    const id = await create({ name: 'hourly', cron_expression: '@hourly' });
    assert.equal((await t.request('GET', `/api/v1/tasks/${id}/next-fires`)).body.fires.length, 10);
    assert.deepEqual((await t.request('GET', `/api/v1/tasks/${id}/next-fires?count=2`)).body.fires, ['2026-01-05T01:00:00.000Z', '2026-01-05T02:00:00.000Z']);
  });

  it('starts after the given from instant', async () => {
    const id = await create({ name: 'daily-noon', cron_expression: '0 12 * * *' });
    const response = await t.request('GET', `/api/v1/tasks/${id}/next-fires?count=2&from=2026-02-01T12:00:00Z`);
    assert.deepEqual(response.body.fires, ['2026-02-02T12:00:00.000Z', '2026-02-03T12:00:00.000Z']);
  });

  it('lists no fires for a manual-only task', async () => {
    const id = await create({ name: 'manual-only' });
    assert.deepEqual((await t.request('GET', `/api/v1/tasks/${id}/next-fires`)).body.fires, []);
  });

  it('reads a task in its own cron_dialect, standard by default, and recomputes when the dialect changes', async () => {
    const quartz = await create({ name: 'xxl-monday', cron_expression: '0 0 12 ? * 2', cron_dialect: 'quartz' });
    const unix = await create({ name: 'unix-tuesday', cron_expression: '0 0 12 ? * 2' });
    const read = async (id: string) => (await t.request('GET', `/api/v1/tasks/${id}`)).body;
    assert.equal((await read(quartz)).cron_dialect, 'quartz');
    assert.equal((await read(unix)).cron_dialect, 'standard');
    assert.equal((await read(quartz)).next_fire_at, '2026-01-05T12:00:00.000Z'); // Monday
    assert.equal((await read(unix)).next_fire_at, '2026-01-06T12:00:00.000Z'); // Tuesday
    assert.deepEqual((await t.request('GET', `/api/v1/tasks/${quartz}/next-fires?count=2`)).body.fires, ['2026-01-05T12:00:00.000Z', '2026-01-12T12:00:00.000Z']);
    const switched = await t.request('PUT', `/api/v1/tasks/${quartz}`, { cron_dialect: 'standard' });
    assert.equal(switched.status, 200, JSON.stringify(switched.body));
    assert.equal(switched.body.next_fire_at, '2026-01-06T12:00:00.000Z');
  });

  it('refuses an unknown dialect and a quartz expression without its ? with 400 invalid_cron naming the field', async () => {
    const unknown = await t.request('POST', '/api/v1/tasks', { name: 'bad-dialect', command: '/bin/true', cron_expression: '0 12 * * *', cron_dialect: 'spring' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, 'invalid_cron');
    assert.equal(unknown.body.error.details.field, 'cron_dialect');
    const noQuestionMark = await t.request('POST', '/api/v1/tasks', { name: 'bad-quartz', command: '/bin/true', cron_expression: '0 0 12 * * *', cron_dialect: 'quartz' });
    assert.equal(noQuestionMark.status, 400);
    assert.equal(noQuestionMark.body.error.details.field, 'cron_expression');
    assert.equal((await t.request('GET', '/api/v1/tasks?name=bad-quartz')).body.total ?? 0, 0);
  });

  it("follows the task's time zone across a spring-forward gap", async () => {
    const id = await create({ name: 'berlin-night', cron_expression: '30 2 * * *', timezone: 'Europe/Berlin' });
    const response = await t.request('GET', `/api/v1/tasks/${id}/next-fires?count=3&from=2026-03-27T12:00:00Z`);
    // 02:30 CET is 01:30Z; on 29 March 02:30 does not exist and the fire moves to 03:00 CEST (01:00Z).
    assert.deepEqual(response.body.fires, ['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });
});

describe('schedule preview of an unsaved expression', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ clock: new FakeClock(now), executor: false });
  });
  after(() => t.close());

  const preview = (body: unknown) => t.request('POST', '/api/v1/schedules/preview', body);

  it('answers {fires} for cron_expression, timezone, from and count', async () => {
    const response = await preview({ cron_expression: '0 */5 * * * *', timezone: 'UTC', from: '2026-06-01T10:00:00Z', count: 3 });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.fires, ['2026-06-01T10:05:00.000Z', '2026-06-01T10:10:00.000Z', '2026-06-01T10:15:00.000Z']);
  });

  it('defaults to UTC, 10 fires, from now', async () => {
    const response = await preview({ cron_expression: '*/15 * * * *' });
    assert.equal(response.body.fires.length, 10);
    assert.equal(response.body.fires[0], '2026-01-05T00:15:00.000Z');
    assert.equal(response.body.timezone, 'UTC');
  });

  it('accepts nicknames and @every intervals', async () => {
    assert.deepEqual((await preview({ cron_expression: '@daily', from: now, count: 1 })).body.fires, ['2026-01-06T00:00:00.000Z']);
    assert.deepEqual((await preview({ cron_expression: '@every 90m', from: now, count: 2 })).body.fires, ['2026-01-05T01:30:00.000Z', '2026-01-05T03:00:00.000Z']);
  });

  it('runs a wall time skipped by spring-forward once, at the shifted instant', async () => {
    const response = await preview({ cron_expression: '30 2 * * *', timezone: 'America/New_York', from: '2026-03-07T12:00:00Z', count: 3 });
    // 02:30 EST is 07:30Z; on 8 March 02:30 does not exist and the fire moves to 03:00 EDT (07:00Z).
    assert.deepEqual(response.body.fires, ['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
  });

  it('never fires twice in the hour repeated by fall-back', async () => {
    const daily = await preview({ cron_expression: '30 2 * * *', timezone: 'Europe/Berlin', from: '2026-10-24T12:00:00Z', count: 2 });
    assert.deepEqual(daily.body.fires, ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    const everyQuarter = await preview({ cron_expression: '*/15 * * * *', timezone: 'Europe/Berlin', from: '2026-10-24T23:50:00Z', count: 12 });
    const wallTimes = everyQuarter.body.fires.map((fire: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', dateStyle: 'short', timeStyle: 'short' }).format(new Date(fire)));
    assert.equal(new Set(wallTimes).size, wallTimes.length, `a wall time repeats: ${wallTimes.join(', ')}`);
    assert.ok(wallTimes.includes('25/10/2026, 02:00') && wallTimes.includes('25/10/2026, 03:00'));
  });

  it('refuses an invalid expression with 400 invalid_cron naming cron_expression', async () => {
    for (const cron_expression of ['61 * * * *', 'not a schedule', '@every 0s']) {
      const response = await preview({ cron_expression });
      assert.equal(response.status, 400, cron_expression);
      assert.equal(response.body.error.code, 'invalid_cron', cron_expression);
      assert.equal(response.body.error.details.field, 'cron_expression');
    }
  });

  it('reads the expression in the dialect asked for: the same text, different days', async () => {
    const quartz = await preview({ cron_expression: '0 0 12 ? * 2', cron_dialect: 'quartz', from: now, count: 1 });
    const standard = await preview({ cron_expression: '0 0 12 ? * 2', from: now, count: 1 });
    assert.deepEqual(quartz.body.fires, ['2026-01-05T12:00:00.000Z']); // Monday
    assert.deepEqual(standard.body.fires, ['2026-01-06T12:00:00.000Z']); // Tuesday
    assert.equal(quartz.body.cron_dialect, 'quartz');
    assert.equal(standard.body.cron_dialect, 'standard');
    assert.equal(quartz.body.description, 'At 12:00, only on Monday');
    assert.deepEqual((await preview({ cron_expression: '0 0/5 * * * ?', cron_dialect: 'quartz', from: now, count: 2 })).body.fires, ['2026-01-05T00:05:00.000Z', '2026-01-05T00:10:00.000Z']);
  });

  it('describes the schedule in the language asked for: locale field, then Accept-Language', async () => {
    assert.equal((await preview({ cron_expression: '0 0 12 ? * 2', cron_dialect: 'quartz', locale: 'zh-CN' })).body.description, '在12:00, 仅星期一');
    const headers = { authorization: `Bearer ${t.token}`, 'content-type': 'application/json', 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' };
    const response = await fetch(`${t.url}/api/v1/schedules/preview`, { method: 'POST', headers, body: JSON.stringify({ cron_expression: '*/5 * * * *' }) });
    assert.equal(((await response.json()) as { description: string }).description, '每隔 5 分钟');
  });

  it('refuses a wrong dialect, quartz without its ?, and an out-of-range weekday with 400 invalid_cron naming the field and the rule', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ cron_expression: '0 12 * * *', cron_dialect: 'unix' }, 'cron_dialect', /'standard' or 'quartz'/],
      [{ cron_expression: '0 0 12 * * *', cron_dialect: 'quartz' }, 'cron_expression', /'\?' in exactly one of day-of-month and day-of-week/],
      [{ cron_expression: '0 0 12 ? * 0', cron_dialect: 'quartz' }, 'cron_expression', /day-of-week 0 is out of range for the quartz dialect/],
      [{ cron_expression: '0 12 * * 8' }, 'cron_expression', /day-of-week 8 is out of range for the standard dialect/],
    ];
    for (const [body, field, rule] of cases) {
      const response = await preview(body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error.code, 'invalid_cron');
      assert.equal(response.body.error.details.field, field);
      assert.match(response.body.error.message, rule);
    }
  });

  it('refuses an unknown time zone with 400 invalid_timezone', async () => {
    const response = await preview({ cron_expression: '0 * * * *', timezone: 'Atlantis/Capital' });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'invalid_timezone');
  });

  it('refuses a missing expression, a bad from and a zero count with 400 naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ timezone: 'UTC' }, 'cron_expression'],
      [{ cron_expression: '0 * * * *', from: 'yesterday' }, 'from'],
      [{ cron_expression: '0 * * * *', count: 0 }, 'count'],
      [{ cron_expression: '0 * * * *', count: '3' }, 'count'],
    ];
    for (const [body, field] of cases) {
      const response = await preview(body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error.code, 'invalid_request');
      assert.equal(response.body.error.details.field, field);
    }
  });
});
