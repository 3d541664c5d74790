// The API words its error messages in the language the request asks for (Accept-Language:
// English or Simplified Chinese); the code and details never change with it. This walks
// many requests that fail, field by field, and checks every Chinese message is Chinese
// throughout (only field names, codes and values quoted from the request stay as sent),
// and that English (asked for, or no header) is the API's English as before.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface Attempt {
  what: string;
  method: string;
  path: string;
  body?: unknown;
  /** Raw text sent as the JSON body. */
  raw?: string;
  /** null: no Authorization header; a string: this header value. Default: the admin token. */
  authorization?: string | null;
  /** The English message, exactly (where the test pins it). */
  english?: string | RegExp;
}

const task = (fields: Record<string, unknown>) => ({ name: 'checked', command: '/bin/true', ...fields });

const attempts: Attempt[] = [
  { what: 'no name', method: 'POST', path: '/api/v1/tasks', body: { command: '/bin/true' }, english: 'name: is required' },
  { what: 'a slash in the name', method: 'POST', path: '/api/v1/tasks', body: task({ name: 'a/b' }), english: /^name: must be 1–128 characters: letters and digits of any script/ },
  { what: 'a trailing space in the name', method: 'POST', path: '/api/v1/tasks', body: task({ name: '数据 ' }) },
  { what: 'a cron value out of range', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '61 * * * *' }), english: /^invalid cron expression '61 \* \* \* \*': / },
  { what: 'a cron with three fields', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '* * *' }) },
  { what: 'a cron step of zero', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '*/0 * * * *' }) },
  { what: 'a cron range backwards', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '0 5-1 * * *' }) },
  { what: 'a cron that is words', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: 'every day at noon' }) },
  { what: 'a cron that never fires', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '0 0 30 2 *' }), english: "invalid cron expression '0 0 30 2 *': the expression never matches a date" },
  { what: 'a standard weekday out of range', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '0 0 * * 9' }) },
  { what: 'a quartz expression with 5 fields', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '0 12 * * ?', cron_dialect: 'quartz' }) },
  { what: "a quartz expression without '?'", method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '0 0 12 * * 2', cron_dialect: 'quartz' }) },
  { what: 'a quartz weekday of 0', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '0 0 12 ? * 0', cron_dialect: 'quartz' }) },
  { what: 'an unknown dialect', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '0 * * * *', cron_dialect: 'unix' }) },
  { what: 'an interval of 0s', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '@every 0s' }) },
  { what: 'an interval that is not one', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '@every soon' }) },
  { what: 'an interval over a year', method: 'POST', path: '/api/v1/tasks', body: task({ cron_expression: '@every 400d' }) },
  { what: 'an unknown time zone', method: 'POST', path: '/api/v1/tasks', body: task({ timezone: 'Mars/Olympus' }) },
  { what: 'max_retry as text', method: 'POST', path: '/api/v1/tasks', body: task({ max_retry: 'three' }) },
  { what: 'max_retry too large', method: 'POST', path: '/api/v1/tasks', body: task({ max_retry: 1000 }) },
  { what: 'a negative timeout', method: 'POST', path: '/api/v1/tasks', body: task({ timeout_seconds: -1 }) },
  { what: 'an unknown execution mode', method: 'POST', path: '/api/v1/tasks', body: task({ execution_mode: 'sometimes' }) },
  { what: 'an unknown misfire policy', method: 'POST', path: '/api/v1/tasks', body: task({ misfire_policy: 'whenever' }) },
  { what: 'parameters as an array', method: 'POST', path: '/api/v1/tasks', body: task({ parameters: [1] }) },
  { what: 'args as one string', method: 'POST', path: '/api/v1/tasks', body: task({ args: '-v' }) },
  { what: 'shell as text', method: 'POST', path: '/api/v1/tasks', body: task({ shell: 'true' }) },
  { what: 'a label that is a number', method: 'POST', path: '/api/v1/tasks', body: task({ executor_labels: { zone: 1 } }) },
  { what: 'an env name that is not one', method: 'POST', path: '/api/v1/tasks', body: task({ env: { '1BAD': 'x' } }) },
  { what: 'an empty secret', method: 'POST', path: '/api/v1/tasks', body: task({ env: { TOKEN: { secret: '' } } }) },
  { what: 'a sealed secret sent in', method: 'POST', path: '/api/v1/tasks', body: task({ parameters: { key: { $sealed: 'v1' } } }) },
  { what: 'a secret to keep on a new task', method: 'POST', path: '/api/v1/tasks', body: task({ env: { TOKEN: { secret: true } } }) },
  { what: 'an executor without a name', method: 'POST', path: '/api/v1/tasks', body: task({ executors: [{ executor: '' }] }) },
  { what: 'an executor listed twice', method: 'POST', path: '/api/v1/tasks', body: task({ executors: [{ executor: 'a' }, { executor: 'a' }] }) },
  { what: 'an unknown field of an executor', method: 'POST', path: '/api/v1/tasks', body: task({ executors: [{ executor: 'a', speed: 1 }] }) },
  { what: 'a command task without a command', method: 'POST', path: '/api/v1/tasks', body: { name: 'checked', type: 'command' } },
  { what: 'a script task without a body', method: 'POST', path: '/api/v1/tasks', body: { name: 'checked', script: { body: ' ' } } },
  { what: 'a docker task without an image', method: 'POST', path: '/api/v1/tasks', body: { name: 'checked', docker: { image: '' } } },
  { what: 'an http task with a relative URL', method: 'POST', path: '/api/v1/tasks', body: { name: 'checked', http: { url: '/health' } } },
  { what: 'an http task with an ftp URL', method: 'POST', path: '/api/v1/tasks', body: { name: 'checked', http: { url: 'ftp://example.com/' } } },
  { what: 'an http task with a made-up method', method: 'POST', path: '/api/v1/tasks', body: { name: 'checked', http: { url: 'https://example.com/', method: 'FETCH' } } },
  { what: 'a handler task named in Chinese without a handler', method: 'POST', path: '/api/v1/tasks', body: { name: '数据同步任务', type: 'handler' } },
  { what: 'a handler name with a slash', method: 'POST', path: '/api/v1/tasks', body: { name: 'checked', handler: 'a/b' } },
  { what: 'fields of two types', method: 'POST', path: '/api/v1/tasks', body: { name: 'checked', type: 'command', command: '/bin/true', http: { url: 'https://example.com/' } } },
  { what: 'an unknown field', method: 'POST', path: '/api/v1/tasks', body: task({ colour: 'blue' }), english: "body: unknown field 'colour'" },
  { what: 'status deleted', method: 'POST', path: '/api/v1/tasks', body: task({ status: 'deleted' }) },
  { what: 'a body that is not JSON', method: 'POST', path: '/api/v1/tasks', raw: '{"name":' },
  { what: 'JSON nested too deep', method: 'POST', path: '/api/v1/tasks', raw: `{"name":"x","parameters":${'['.repeat(80)}${']'.repeat(80)}}` },
  { what: 'a NUL in a value', method: 'POST', path: '/api/v1/tasks', body: task({ description: 'a\u0000b' }) },
  { what: 'a NUL in a key', method: 'POST', path: '/api/v1/tasks', body: task({ parameters: { 'a\u0000b': 1 } }) },
  { what: 'a taken name', method: 'POST', path: '/api/v1/tasks', body: task({ name: '已有任务' }), english: "a task named '已有任务' already exists" },
  { what: 'an unknown task', method: 'GET', path: '/api/v1/tasks/no-such-task', english: "no task with id 'no-such-task'" },
  { what: 'an update of an unknown task', method: 'PUT', path: '/api/v1/tasks/no-such-task', body: { description: 'x' } },
  { what: 'an unknown execution', method: 'GET', path: '/api/v1/executions/no-such-execution' },
  { what: 'an unknown executor', method: 'GET', path: '/api/v1/executors/no-such-executor' },
  { what: 'an unknown user', method: 'GET', path: '/api/v1/users/no-such-user' },
  { what: 'an unknown API token', method: 'DELETE', path: '/api/v1/tokens/no-such-token' },
  { what: 'an unknown route', method: 'GET', path: '/api/v1/nothing-here', english: 'no route GET /api/v1/nothing-here' },
  { what: 'a page size as text', method: 'GET', path: '/api/v1/tasks?page_size=many' },
  { what: 'a page size too large', method: 'GET', path: '/api/v1/tasks?page_size=100000' },
  { what: 'an unknown status filter', method: 'GET', path: '/api/v1/tasks?status=sleeping' },
  { what: 'an instant that is not one', method: 'GET', path: '/api/v1/executions?from=yesterday' },
  { what: 'an instant past year 9999', method: 'GET', path: '/api/v1/executions?from=99999-01-01T00:00:00Z' },
  { what: 'an unknown stats window', method: 'GET', path: '/api/v1/stats/executions?window=fortnight' },
  { what: 'a preview of a bad cron', method: 'POST', path: '/api/v1/schedules/preview', body: { cron_expression: '* * * * * * * *' } },
  { what: 'no credentials', method: 'GET', path: '/api/v1/tasks', authorization: null, english: 'missing credentials: sign in, or send the header "Authorization: Bearer <token>"' },
  { what: 'a revoked or made-up token', method: 'GET', path: '/api/v1/tasks', authorization: 'Bearer cf_made_up' },
  { what: 'a malformed Authorization header', method: 'GET', path: '/api/v1/tasks', authorization: 'Basic abc' },
  { what: 'a wrong password', method: 'POST', path: '/api/v1/auth/login', body: { username: 'admin', password: 'wrong-password' }, authorization: null },
  { what: 'a short password for a new user', method: 'POST', path: '/api/v1/users', body: { username: 'zhang', password: 'short', role: 'viewer' } },
  { what: 'a user name with a slash', method: 'POST', path: '/api/v1/users', body: { username: 'a/b', password: 'long-enough-password', role: 'viewer' } },
];

/** Chinese characters. */
const HAN = /\p{Script=Han}/u;

/**
 * English left in a message once what may stay as sent is taken out: quoted text ('…', "…",
 * `…`), {…} JSON examples, identifiers (snake_case, dotted paths, paths and URLs, codes,
 * HTTP methods and header names), lists of values and single words. Three English words in a
 * row is a sentence.
 */
function englishLeft(message: string): string | null {
  const stripped = message
    .replace(/'[^']*'|"[^"]*"|`[^`]*`|\{[^}]*\}/g, ' ')
    .replace(/[\w-]*[_./:][\w./:-]*/g, ' ')
    .replace(/\b[A-Z][A-Za-z-]*\b/g, ' ');
  // Words in a list ("parallel, sequential") are the allowed values, quoted from the schema.
  const sentence = /\b[a-z]{2,}\s+[a-z]{2,}\s+[a-z]{2,}\b/.exec(stripped);
  return sentence ? sentence[0] : null;
}

describe('error messages in the language asked for', () => {
  let t: TestServer;
  const send = async (attempt: Attempt, language: string | null) => {
    const headers: Record<string, string> = {};
    const authorization = attempt.authorization === undefined ? `Bearer ${t.token}` : attempt.authorization;
    if (authorization !== null) headers.authorization = authorization;
    if (language !== null) headers['accept-language'] = language;
    const body = attempt.raw ?? (attempt.body === undefined ? undefined : JSON.stringify(attempt.body));
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${t.url}${attempt.path}`, { method: attempt.method, headers, ...(body === undefined ? {} : { body }) });
    return { status: response.status, body: (await response.json()) as { error: { code: string; message: string; details?: unknown } } };
  };

  before(async () => {
    t = await startTestServer({ executor: false });
    assert.equal((await t.request('POST', '/api/v1/tasks', { name: '已有任务', command: '/bin/true' })).status, 201);
  });
  after(() => t.close());

  it('answers every failing request in Chinese for Accept-Language: zh-CN, with the same status, code and details as in English', async () => {
    const problems: string[] = [];
    for (const attempt of attempts) {
      const english = await send(attempt, 'en');
      const chinese = await send(attempt, 'zh-CN,zh;q=0.9,en;q=0.8');
      const label = `${attempt.what} (${attempt.method} ${attempt.path}): ${chinese.body.error?.message}`;
      assert.ok(english.status >= 400, `${attempt.what} did not fail: ${english.status}`);
      assert.equal(chinese.status, english.status, label);
      assert.equal(chinese.body.error.code, english.body.error.code, label);
      assert.deepEqual(chinese.body.error.details, english.body.error.details, label);
      if (!HAN.test(chinese.body.error.message)) problems.push(`no Chinese: ${label}`);
      const left = englishLeft(chinese.body.error.message);
      if (left !== null) problems.push(`English left ("${left}"): ${label}`);
    }
    assert.deepEqual(problems, []);
  });

  it('answers in English, as before, without Accept-Language or with en', async () => {
    for (const attempt of attempts) {
      const none = await send(attempt, null);
      const english = await send(attempt, 'en-US,en;q=0.9');
      assert.equal(none.body.error.message, english.body.error.message, attempt.what);
      assert.ok(!HAN.test(none.body.error.message.replace(/'[^']*'/g, '')), `${attempt.what}: ${none.body.error.message}`);
      assert.match(none.body.error.message, /[A-Za-z]{2,}\W+[A-Za-z]{2,}/, attempt.what);
      if (attempt.english instanceof RegExp) assert.match(none.body.error.message, attempt.english, attempt.what);
      else if (attempt.english !== undefined) assert.equal(none.body.error.message, attempt.english, attempt.what);
    }
  });

  it('reads the language the way browsers send it: q-values, region variants, any zh', async () => {
    const attempt = attempts.find((item) => item.what === 'an unknown task')!;
    assert.equal((await send(attempt, 'zh-CN')).body.error.message, "没有 ID 为 'no-such-task' 的任务");
    assert.equal((await send(attempt, 'zh-TW')).body.error.message, "没有 ID 为 'no-such-task' 的任务");
    assert.equal((await send(attempt, 'en;q=0.5, zh;q=0.9')).body.error.message, "没有 ID 为 'no-such-task' 的任务");
    assert.equal((await send(attempt, 'zh;q=0.5, en;q=0.9')).body.error.message, "no task with id 'no-such-task'");
    assert.equal((await send(attempt, 'fr-FR')).body.error.message, "no task with id 'no-such-task'");
  });

  it('words a viewer refused a change in Chinese too', async () => {
    const created = await t.request('POST', '/api/v1/tokens', { name: 'viewer', role: 'viewer' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const viewerToken = (created.body as { token: string }).token;
    const chinese = await send({ what: 'a viewer creates a task', method: 'POST', path: '/api/v1/tasks', body: task({}), authorization: `Bearer ${viewerToken}` }, 'zh-CN');
    assert.equal(chinese.status, 403);
    assert.match(chinese.body.error.message, HAN);
    assert.equal(englishLeft(chinese.body.error.message), null, chinese.body.error.message);
  });
});
