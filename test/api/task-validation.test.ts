// Bad task bodies get the right 4xx with a stable code naming the field, and store nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface BadBody {
  behaviour: string;
  body: Record<string, unknown>;
  code: string | string[];
  field: string;
}

const validation = ['invalid_task', 'invalid_request'];

const badBodies: BadBody[] = [
  { behaviour: 'a cron expression with an out-of-range minute', body: { name: 'bad_cron', cron_expression: '61 * * * *' }, code: 'invalid_cron', field: 'cron_expression' },
  { behaviour: 'a cron expression that is not cron at all', body: { name: 'bad_cron', cron_expression: 'every day at noon' }, code: 'invalid_cron', field: 'cron_expression' },
  { behaviour: 'a cron expression that never matches a date', body: { name: 'bad_cron', cron_expression: '0 0 30 2 *' }, code: 'invalid_cron', field: 'cron_expression' },
  { behaviour: 'an unknown time zone', body: { name: 'bad_zone', cron_expression: '0 * * * *', timezone: 'Mars/Olympus_Mons' }, code: 'invalid_timezone', field: 'timezone' },
  { behaviour: 'a missing name', body: { command: '/bin/true' }, code: validation, field: 'name' },
  { behaviour: 'a name with spaces and punctuation', body: { name: 'bad name!' }, code: validation, field: 'name' },
  { behaviour: 'a name longer than 128 characters', body: { name: 'n'.repeat(129) }, code: validation, field: 'name' },
  { behaviour: 'a name that is a number', body: { name: 123 }, code: validation, field: 'name' },
  { behaviour: 'max_retry given as a string', body: { name: 'typed', max_retry: '3' }, code: validation, field: 'max_retry' },
  { behaviour: 'a negative timeout_seconds', body: { name: 'typed', timeout_seconds: -1 }, code: validation, field: 'timeout_seconds' },
  { behaviour: 'parameters given as an array', body: { name: 'typed', parameters: ['source', 'target'] }, code: validation, field: 'parameters' },
  { behaviour: 'args given as one string', body: { name: 'typed', command: '/bin/echo', args: 'hello' }, code: validation, field: 'args' },
  { behaviour: "shell given as the string 'true'", body: { name: 'typed', command: 'echo hi', shell: 'true' }, code: validation, field: 'shell' },
  { behaviour: 'a non-string executor label', body: { name: 'typed', executor_labels: { zone: 1 } }, code: validation, field: 'executor_labels.zone' },
  { behaviour: 'an unknown execution_mode', body: { name: 'typed', execution_mode: 'whenever' }, code: validation, field: 'execution_mode' },
  { behaviour: 'an unknown load_balance_strategy', body: { name: 'typed', load_balance_strategy: 'fastest' }, code: validation, field: 'load_balance_strategy' },
  { behaviour: 'a command task without a command', body: { name: 'typed', type: 'command' }, code: validation, field: 'command' },
  { behaviour: 'an http task with a relative URL', body: { name: 'typed', http: { url: '/ping' } }, code: validation, field: 'http.url' },
  { behaviour: "creating a task as 'deleted'", body: { name: 'typed', status: 'deleted' }, code: validation, field: 'status' },
  { behaviour: 'an unknown field', body: { name: 'typed', command: '/bin/true', colour: 'blue' }, code: validation, field: 'colour' },
];

describe('task body validation', () => {
  let t: TestServer;
  let existingId: string;
  const storedTotal = async () => (await t.request('GET', '/api/v1/tasks?page_size=1000')).body.total as number;

  before(async () => {
    t = await startTestServer({ executor: false });
    const existing = await t.request('POST', '/api/v1/tasks', { name: 'existing', cron_expression: '0 3 * * *', command: '/bin/true' });
    assert.equal(existing.status, 201);
    existingId = existing.body.id;
  });
  after(() => t.close());

  for (const { behaviour, body, code, field } of badBodies) {
    it(`refuses ${behaviour} and stores nothing`, async () => {
      const before = await storedTotal();
      const response = await t.request('POST', '/api/v1/tasks', body);
      assert.equal(response.status, 400, JSON.stringify(response.body));
      const codes = Array.isArray(code) ? code : [code];
      assert.ok(codes.includes(response.body.error.code), `code ${response.body.error.code}`);
      assert.equal(response.body.error.details?.field, field, JSON.stringify(response.body));
      assert.equal(typeof response.body.error.message, 'string');
      assert.equal(await storedTotal(), before);
    });
  }

  it('refuses a second task with a taken name with 409 name_taken and stores nothing', async () => {
    const before = await storedTotal();
    const response = await t.request('POST', '/api/v1/tasks', { name: 'existing', command: '/bin/false' });
    assert.equal(response.status, 409);
    assert.equal(response.body.error.code, 'name_taken');
    assert.equal(response.body.error.details.field, 'name');
    assert.equal(await storedTotal(), before);
    assert.equal((await t.request('GET', `/api/v1/tasks/${existingId}`)).body.command, '/bin/true');
  });

  it('refuses an update with an invalid cron expression and keeps the stored task as it was', async () => {
    const stored = (await t.request('GET', `/api/v1/tasks/${existingId}`)).body;
    const response = await t.request('PUT', `/api/v1/tasks/${existingId}`, { cron_expression: '* * * * * * * *' });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'invalid_cron');
    assert.deepEqual((await t.request('GET', `/api/v1/tasks/${existingId}`)).body, stored);
  });

  it('refuses an update with a wrongly typed field and keeps the stored task as it was', async () => {
    const stored = (await t.request('GET', `/api/v1/tasks/${existingId}`)).body;
    const response = await t.request('PUT', `/api/v1/tasks/${existingId}`, { max_retry: '5' });
    assert.equal(response.status, 400);
    assert.ok(validation.includes(response.body.error.code));
    assert.equal(response.body.error.details.field, 'max_retry');
    assert.deepEqual((await t.request('GET', `/api/v1/tasks/${existingId}`)).body, stored);
  });

  it('refuses an update to status deleted (DELETE is the way) and keeps the task', async () => {
    const response = await t.request('PUT', `/api/v1/tasks/${existingId}`, { status: 'deleted' });
    assert.equal(response.status, 400);
    assert.equal((await t.request('GET', `/api/v1/tasks/${existingId}`)).status, 200);
  });
});
