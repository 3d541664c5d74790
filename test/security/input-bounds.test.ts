// Bad input that once got a 500 or worse (issue 11, items 13 and 14) gets a 400 that
// names the field, stores nothing, and leaves every list readable. Runs on SQLite,
// PostgreSQL and MariaDB (CRONFLEET_TEST_DATABASE).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseCheckedJson } from '../../src/api/input-guard.ts';
import { parseTaskDefinition } from '../../src/domain/task.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const start = '2026-01-05T00:00:00.000Z';

describe('bad input gets a 400 naming the field, and nothing is stored', () => {
  let t: TestServer;
  let taskId = '';
  before(async () => {
    t = await startTestServer({ clock: new FakeClock(start), executor: false });
    const created = await t.request('POST', '/api/v1/tasks', { name: 'kept', command: '/bin/true', cron_expression: '0 3 * * *' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    taskId = created.body.id;
  });
  after(() => t.close());

  const refused = async (method: string, path: string, body: unknown, code: string, field: string | null) => {
    const response = await t.request(method, path, body);
    assert.equal(response.status, 400, `${method} ${path}: ${JSON.stringify(response.body).slice(0, 300)}`);
    assert.equal(response.body.error.code, code, JSON.stringify(response.body));
    if (field !== null) assert.equal(response.body.error.details.field, field, JSON.stringify(response.body));
    assert.ok(response.body.error.message.length > 0);
    return response.body.error;
  };
  const taskNames = async () => {
    const list = await t.request('GET', '/api/v1/tasks?page_size=1000');
    assert.equal(list.status, 200, JSON.stringify(list.body).slice(0, 300));
    return list.body.items.map((task: { name: string }) => task.name).sort();
  };

  it('a task with "@every 99999999999h" is refused as invalid_cron, not stored, and the list still answers', async () => {
    await refused('POST', '/api/v1/tasks', { name: 'huge-interval', command: '/bin/true', cron_expression: '@every 99999999999h' }, 'invalid_cron', 'cron_expression');
    assert.deepEqual(await taskNames(), ['kept']);
  });

  it('every interval too long to be useful or stored is refused: over 366 days, or more digits than a number holds', async () => {
    for (const cron of ['@every 367d', '@every 1000000d', '@every 8785h', `@every ${'9'.repeat(240)}s`, '@every 99999999999999999999ms']) {
      await refused('POST', '/api/v1/tasks', { name: 'long-interval', command: '/bin/true', cron_expression: cron }, 'invalid_cron', 'cron_expression');
    }
    assert.deepEqual(await taskNames(), ['kept']);
  });

  it('an update to an unrepresentable schedule is refused and the task keeps its schedule', async () => {
    await refused('PUT', `/api/v1/tasks/${taskId}`, { cron_expression: '@every 99999999999h' }, 'invalid_cron', 'cron_expression');
    const task = await t.request('GET', `/api/v1/tasks/${taskId}`);
    assert.equal(task.body.cron_expression, '0 3 * * *');
    assert.equal(task.body.next_fire_at, '2026-01-05T03:00:00.000Z');
  });

  it('a schedule that never fires again is refused saying so: February 30, or a year already past', async () => {
    const feb30 = await refused('POST', '/api/v1/tasks', { name: 'never', command: '/bin/true', cron_expression: '0 0 30 2 *' }, 'invalid_cron', 'cron_expression');
    assert.match(feb30.message, /never/);
    const past = await refused('POST', '/api/v1/tasks', { name: 'over', command: '/bin/true', cron_expression: '0 0 0 1 1 * 2001' }, 'invalid_cron', 'cron_expression');
    assert.match(past.message, /no fire after/);
    await refused('POST', '/api/v1/schedules/preview', { cron_expression: '0 0 30 2 *', timezone: 'Asia/Shanghai' }, 'invalid_cron', 'cron_expression');
    await refused('POST', '/api/v1/schedules/preview', { cron_expression: '0 0 0 1 1 * 2001' }, 'invalid_cron', 'cron_expression');
    assert.deepEqual(await taskNames(), ['kept']);
  });

  it('a preview of a huge @every, or from outside 1970–9999, is a 400 naming the field', async () => {
    await refused('POST', '/api/v1/schedules/preview', { cron_expression: '@every 99999999999h' }, 'invalid_cron', 'cron_expression');
    await refused('POST', '/api/v1/schedules/preview', { cron_expression: '@every 1h', from: '1900-01-01T00:00:00Z' }, 'invalid_request', 'from');
    await refused('POST', '/api/v1/schedules/preview', { cron_expression: '@every 1h', from: '+275760-09-13T00:00:00Z' }, 'invalid_request', 'from');
    await refused('POST', '/api/v1/schedules/preview', { cron_expression: '@every 1h', count: 1e300 }, 'invalid_request', 'count');
  });

  it('a preview near year 9999 lists the fires left and stops there', async () => {
    const preview = await t.request('POST', '/api/v1/schedules/preview', { cron_expression: '@every 1h', from: '9999-12-31T21:30:00Z', count: 10 });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.deepEqual(preview.body.fires, ['9999-12-31T22:00:00.000Z', '9999-12-31T23:00:00.000Z']);
  });

  it("a task's next fires take only a count of 1–1000 and a from in 1970–9999", async () => {
    for (const query of ['count=1e300', 'count=99999999999999999999', 'count=0', 'count=-1']) {
      await refused('GET', `/api/v1/tasks/${taskId}/next-fires?${query}`, undefined, 'invalid_request', 'count');
    }
    for (const query of ['from=1900-01-01T00:00:00Z', 'from=yesterday']) {
      await refused('GET', `/api/v1/tasks/${taskId}/next-fires?${query}`, undefined, 'invalid_request', 'from');
    }
    const late = await t.request('GET', `/api/v1/tasks/${taskId}/next-fires?from=9999-12-31T12:00:00Z&count=5`);
    assert.deepEqual(late.body.fires, []);
  });

  it('a time zone must be an IANA name: offsets are refused, aliases and Etc zones accepted', async () => {
    for (const timezone of ['+05:00', '-0300', 'GMT+5', 'UTC+5', 'Mars/Olympus_Mons']) {
      await refused('POST', '/api/v1/tasks', { name: 'offset-zone', command: '/bin/true', cron_expression: '0 0 * * *', timezone }, 'invalid_timezone', 'timezone');
      await refused('POST', '/api/v1/schedules/preview', { cron_expression: '0 0 * * *', timezone }, 'invalid_timezone', 'timezone');
      await refused('PUT', `/api/v1/tasks/${taskId}`, { timezone }, 'invalid_timezone', 'timezone');
    }
    for (const timezone of ['UTC', 'Etc/UTC', 'Etc/GMT+5', 'Asia/Shanghai', 'US/Eastern']) {
      const preview = await t.request('POST', '/api/v1/schedules/preview', { cron_expression: '0 0 * * *', timezone, count: 1 });
      assert.equal(preview.status, 200, `${timezone}: ${JSON.stringify(preview.body)}`);
    }
    assert.deepEqual(await taskNames(), ['kept']);
  });

  it('JSON nested 2,000 levels deep is refused before it is parsed, naming the depth limit', async () => {
    const deepObject = `{"name":"deep","command":"/bin/true","parameters":${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}}`;
    const deepArray = `{"name":"deep","command":"/bin/true","parameters":{"a":${'['.repeat(2000)}${']'.repeat(2000)}}}`;
    for (const body of [deepObject, deepArray]) {
      const error = await refused('POST', '/api/v1/tasks', body, 'invalid_request', null);
      assert.equal(error.details.max_depth, 64);
      assert.match(error.message, /deeper than 64/);
    }
    // Brackets inside strings do not count.
    const bracketsInText = await t.request('POST', '/api/v1/tasks', { name: 'brackets', command: '/bin/true', description: '{['.repeat(1000) });
    assert.equal(bracketsInText.status, 201, JSON.stringify(bracketsInText.body).slice(0, 200));
    assert.equal((await t.request('DELETE', `/api/v1/tasks/${bracketsInText.body.id}`)).status, 204);
    // 60 levels is an ordinary (if odd) parameter.
    const nested = await t.request('PUT', `/api/v1/tasks/${taskId}`, `{"parameters":{"a":${'['.repeat(60)}${']'.repeat(60)}}}`);
    assert.equal(nested.status, 200, JSON.stringify(nested.body).slice(0, 200));
  });

  it('a lone UTF-16 surrogate is refused in any key or value at any depth, naming its path', async () => {
    await refused('POST', '/api/v1/tasks', '{"name":"sur","command":"/bin/true","description":"a\\ud800b"}', 'invalid_request', 'description');
    await refused('POST', '/api/v1/tasks', '{"name":"sur","command":"/bin/true","parameters":{"list":[1,{"\\udc00":1}]}}', 'invalid_request', 'parameters.list[1].\udc00');
    await refused('POST', '/api/v1/tasks', '{"name":"sur","command":"/bin/true","env":{"A":"\\udbff"}}', 'invalid_request', 'env.A');
    await refused('PUT', `/api/v1/tasks/${taskId}`, '{"tags":["ok","\\ud83d"]}', 'invalid_request', 'tags[1]');
    await refused('POST', `/api/v1/tasks/${taskId}/trigger`, '{"parameters":{"x":"\\ude00"}}', 'invalid_request', 'parameters.x');
    // A well-formed pair (an emoji) is ordinary text.
    const emoji = await t.request('POST', '/api/v1/tasks', '{"name":"emoji","command":"/bin/true","description":"\\ud83d\\udca5"}');
    assert.equal(emoji.status, 201, JSON.stringify(emoji.body));
    assert.equal(emoji.body.description, '💥');
    assert.equal((await t.request('DELETE', `/api/v1/tasks/${emoji.body.id}`)).status, 204);
    assert.deepEqual(await taskNames(), ['kept']);
  });

  it('page numbers and every other numeric query parameter are integers in a range', async () => {
    const cases: Array<[string, string]> = [
      ['/api/v1/tasks?page=99999999999999999999', 'page'],
      ['/api/v1/tasks?page=1000001', 'page'],
      ['/api/v1/executions?page=1e300', 'page'],
      ['/api/v1/executions?page=0', 'page'],
      ['/api/v1/executions?page_size=1e300', 'page_size'],
      ['/api/v1/audit?page=99999999999999999999', 'page'],
      [`/api/v1/executions/${taskId}/logs?after_seq=1e300`, 'after_seq'],
      [`/api/v1/executions/${taskId}/logs?limit=99999999999999999999`, 'limit'],
      ['/api/v1/executions?from=99999-01-01', 'from'],
      ['/api/v1/executions?to=%2B275760-09-13T00:00:00Z', 'to'],
      ['/api/v1/executions?status=exploded', 'status'],
      ['/api/v1/tasks?status=exploded', 'status'],
    ];
    for (const [path, field] of cases) await refused('GET', path, undefined, 'invalid_request', field);
    // The largest page is an empty page, not an overflow.
    const last = await t.request('GET', '/api/v1/executions?page=1000000&page_size=1000');
    assert.equal(last.status, 200, JSON.stringify(last.body));
    assert.deepEqual(last.body.items, []);
  });

  it('ids and filters that are not ids find nothing (404 or an empty list), on every database', async () => {
    for (const id of ['not-a-uuid', "1' OR '1'='1", '00000000-0000-0000-0000-000000000000', 'x'.repeat(64), '%F0%9F%92%A5', '%C3%A9']) {
      for (const [method, path] of [
        ['GET', `/api/v1/tasks/${id}`],
        ['DELETE', `/api/v1/tasks/${id}`],
        ['GET', `/api/v1/executions/${id}`],
        ['GET', `/api/v1/tasks/${id}/next-fires`],
        ['POST', `/api/v1/executions/${id}/stop`],
      ] as const) {
        const response = await t.request(method, path);
        assert.equal(response.status, 404, `${method} ${path}: ${JSON.stringify(response.body)}`);
      }
    }
    for (const filter of ["task_id=1'%20OR%20'1'='1", 'task_id=not-a-uuid', 'executor_id=%E2%9C%93', 'task_id=00000000-0000-0000-0000-000000000000']) {
      const list = await t.request('GET', `/api/v1/executions?${filter}`);
      assert.equal(list.status, 200, `${filter}: ${JSON.stringify(list.body)}`);
      assert.deepEqual(list.body.items, []);
    }
  });

  it('a path that does not decode, or a path segment past the router limit, gets a 400 in the API error shape', async () => {
    for (const path of ['/api/v1/tasks/%ED%A0%80', '/api/v1/tasks/%E0%A4%A', '/api/v1/tasks/%FF', `/api/v1/tasks/${'x'.repeat(500)}`]) {
      const response = await t.request('GET', path);
      assert.ok(response.status === 400 || response.status === 404, `${path}: ${response.status}`);
      assert.equal(typeof response.body.error?.code, 'string', `${path}: ${JSON.stringify(response.body)}`);
    }
  });

  it('odd headers change nothing: a long or odd Accept-Language, a charset on the JSON type', async () => {
    for (const headers of [{ 'accept-language': 'x'.repeat(8000) }, { 'accept-language': '*;q=1e300, zz-ZZ' }, { 'content-type': 'application/json; charset=latin1' }]) {
      const response = await fetch(`${t.url}/api/v1/tasks`, { method: 'GET', headers: { authorization: `Bearer ${t.token}`, ...headers } });
      assert.ok(response.status < 500, `${JSON.stringify(headers).slice(0, 60)}: ${response.status}`);
      await response.text();
    }
  });
});

describe('a stored task that cannot be shown never breaks the list', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ clock: new FakeClock(start), executor: false });
  });
  after(() => t.close());

  it('a row with a fire cursor past year 9999 (written by an older version) is listed with an error marker', async () => {
    const readable = await t.request('POST', '/api/v1/tasks', { name: 'readable', command: '/bin/true', cron_expression: '0 3 * * *' });
    assert.equal(readable.status, 201);
    // What the older version stored for "@every 99999999999h" where the column could hold it.
    const definition = parseTaskDefinition({ name: 'from-older-version', command: '/bin/true' });
    const now = Date.parse(start);
    const stored = await t.server.store.tasks.create('0190e1a8-0000-7000-8000-000000000001', { ...definition, cronExpression: '@every 9999999h' }, 'active', 9e15, now);
    const list = await t.request('GET', '/api/v1/tasks');
    assert.equal(list.status, 200, JSON.stringify(list.body).slice(0, 300));
    const byName = new Map(list.body.items.map((task: { name: string }) => [task.name, task]));
    assert.equal((byName.get('readable') as any).error, undefined);
    const broken = byName.get('from-older-version') as any;
    assert.equal(broken.id, stored.id);
    assert.equal(broken.error.code, 'unreadable_task');
    assert.match(broken.error.message, /^this task's stored definition cannot be read \(next_fire_at .*\); update or delete it$/);
    assert.equal(broken.next_fire_at, null);
    // In the language asked for (issue 14): the code stays, the words are Chinese around what was wrong.
    const chinese = (await (await fetch(`${t.url}/api/v1/tasks/${stored.id}`, { headers: { authorization: `Bearer ${t.token}`, 'accept-language': 'zh-CN' } })).json()) as any;
    assert.equal(chinese.error.code, 'unreadable_task');
    assert.match(chinese.error.message, /^无法读取此任务存储的定义（next_fire_at .*）；请更新或删除它$/);
    const one = await t.request('GET', `/api/v1/tasks/${stored.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.error.code, 'unreadable_task');
    // It can be repaired (a new schedule) or deleted through the API.
    const repaired = await t.request('PUT', `/api/v1/tasks/${stored.id}`, { cron_expression: '0 4 * * *' });
    assert.equal(repaired.status, 200, JSON.stringify(repaired.body));
    assert.equal(repaired.body.error, undefined);
    assert.equal(repaired.body.next_fire_at, '2026-01-05T04:00:00.000Z');
    assert.equal((await t.request('DELETE', `/api/v1/tasks/${stored.id}`)).status, 204);
  });

  it('any update recomputes a fire cursor no instant can hold, even when the schedule stays', async () => {
    const definition = parseTaskDefinition({ name: 'bad-cursor', command: '/bin/true', cron_expression: '@every 1h' });
    const stored = await t.server.store.tasks.create('0190e1a8-0000-7000-8000-000000000002', definition, 'active', 9e15, Date.parse(start));
    const updated = await t.request('PUT', `/api/v1/tasks/${stored.id}`, { description: 'repaired' });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    assert.equal(updated.body.error, undefined);
    assert.equal(updated.body.next_fire_at, '2026-01-05T01:00:00.000Z');
  });
});

describe('JSON read by a route with its own parser follows the same rules', () => {
  it('parseCheckedJson refuses deep nesting and lone surrogates, and parses the rest', () => {
    assert.throws(() => parseCheckedJson('['.repeat(100) + ']'.repeat(100)), { code: 'invalid_request', details: { location: 'body', field: null, max_depth: 64 } });
    assert.throws(() => parseCheckedJson('{"logs":"a\\ud800"}'), { code: 'invalid_request', details: { location: 'body', field: 'logs' } });
    assert.throws(() => parseCheckedJson('{"result":{"k":"\\u0000"}}'), { code: 'invalid_request', details: { location: 'body', field: 'result.k' } });
    assert.throws(() => parseCheckedJson('{'), { code: 'invalid_request' });
    assert.deepEqual(parseCheckedJson('{"status":"success","logs":"[{\\"x\\""}'), { status: 'success', logs: '[{"x"' });
  });
});
