// The API words its error messages in the language the request asks for (Accept-Language:
// English or Simplified Chinese); the code and details never change with it. This walks
// many requests that fail, field by field, and checks every Chinese message is Chinese
// throughout (only field names, codes and values quoted from the request stay as sent),
// and that English (asked for, or no header) is the API's English as before. Then the
// answers an HTTP executor gets (registration, signed callbacks), the rate limit, a 500 and
// storage faults, and the errors of runs: stored in English with their key, answered in the
// language asked for, while text an executor reported itself stays as it came.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { installErrorHandling } from '../../src/api/errors.ts';
import { CronfleetError } from '../../src/protocol/errors.ts';
import { parseExecutorMessage } from '../../src/protocol/executor-validation.ts';
import { messageFromJson } from '../../src/protocol/messages/index.ts';
import { StorageError } from '../../src/store/faults.ts';
import { HttpExecutorHarness, signedHeaders } from '../dispatch/http-executor-harness.ts';
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
  /** More request headers (an HTTP executor's signature headers, an Accept). */
  headers?: Record<string, string>;
}

/** Signature headers of a callback, each one given or a well-formed stand-in. */
const callbackHeaders = (fields: Partial<Record<'executor' | 'timestamp' | 'nonce' | 'signature', string>>) => ({
  'x-cronfleet-executor': fields.executor ?? 'no-such-executor',
  'x-cronfleet-timestamp': fields.timestamp ?? String(Math.floor(Date.now() / 1000)),
  'x-cronfleet-nonce': fields.nonce ?? 'abcdefghijklmnop1234',
  'x-cronfleet-signature': fields.signature ?? `v2=${'0'.repeat(64)}`,
});
const callback = '/api/v1/executions/no-such-execution/callback';
const register = (fields: Record<string, unknown>) => ({ name: 'hook', instance_id: 'hook', base_url: 'http://127.0.0.1:9', ...fields });

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
  // HTTP executors: registration and signed callbacks.
  { what: 'an HTTP executor with an unknown runner', method: 'POST', path: '/api/v1/executors/register', body: register({ runners: ['teleport'] }), english: /^runners: 'teleport' is not a task type \(command, / },
  {
    what: 'an HTTP executor with an ftp base_url',
    method: 'POST',
    path: '/api/v1/executors/register',
    body: register({ base_url: 'ftp://example.com/' }),
    english: "base_url must be an http:// or https:// URL, got 'ftp://example.com/'",
  },
  { what: 'an HTTP executor with a health URL that is not one', method: 'POST', path: '/api/v1/executors/register', body: register({ health_check_url: 'nowhere' }) },
  {
    what: 'an HTTP executor with a capacity of 0 in metadata',
    method: 'POST',
    path: '/api/v1/executors/register',
    body: register({ metadata: { capacity: 0 } }),
    english: 'metadata.capacity must be an integer from 1 to 10000, got 0',
  },
  { what: 'a callback without a signature', method: 'POST', path: callback, body: { status: 'success' }, authorization: null, english: /^missing signature: send X-Cronfleet-Executor/ },
  { what: 'a callback signed v1', method: 'POST', path: callback, body: { status: 'success' }, authorization: null, headers: callbackHeaders({ signature: 'v1=abc' }) },
  { what: 'a callback with a short nonce', method: 'POST', path: callback, body: { status: 'success' }, authorization: null, headers: callbackHeaders({ nonce: 'short' }) },
  { what: 'a callback from an hour ago', method: 'POST', path: callback, body: { status: 'success' }, authorization: null, headers: callbackHeaders({ timestamp: String(Math.floor(Date.now() / 1000) - 3600) }) },
  {
    what: 'a callback with a wrong signature',
    method: 'POST',
    path: callback,
    body: { status: 'success' },
    authorization: null,
    headers: callbackHeaders({}),
    english: 'invalid signature for this executor and execution',
  },
  // Other answers.
  { what: 'a text log that follows', method: 'GET', path: '/api/v1/executions/{execution}/logs?format=text&follow=true', english: 'format: text is the log as it is now; follow streams JSON lines' },
  { what: 'an unknown path asked for as JSON', method: 'GET', path: '/no-such-page', headers: { accept: 'application/json' }, english: 'nothing at /no-such-page' },
  { what: 'a missing asset', method: 'GET', path: '/assets/no-such-file.js', english: 'no file /assets/no-such-file.js' },
  { what: 'a stop of an ended execution', method: 'POST', path: '/api/v1/executions/{ended}/stop', body: {}, english: /^execution '[\w-]+' already ended \(failed\)$/ },
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
    Object.assign(headers, attempt.headers);
    const path = attempt.path.replace('{execution}', pendingId).replace('{ended}', endedId);
    const body = attempt.raw ?? (attempt.body === undefined ? undefined : JSON.stringify(attempt.body));
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${t.url}${path}`, { method: attempt.method, headers, ...(body === undefined ? {} : { body }) });
    return { status: response.status, body: (await response.json()) as { error: { code: string; message: string; details?: unknown } } };
  };

  let pendingId = '';
  let endedId = '';

  before(async () => {
    t = await startTestServer({ executor: false });
    const created = await t.request('POST', '/api/v1/tasks', { name: '已有任务', command: '/bin/true' });
    assert.equal(created.status, 201);
    // No executor: a run waits, and one with a dispatch timeout of 1 s fails (reason no_executor).
    pendingId = (await t.request('POST', `/api/v1/tasks/${created.body.id}/trigger`, {})).body.id;
    const waiting = await t.request('POST', '/api/v1/tasks', { name: 'waits-briefly', command: '/bin/true', dispatch_timeout_seconds: 1, max_retry: 0 });
    endedId = (await t.request('POST', `/api/v1/tasks/${waiting.body.id}/trigger`, {})).body.id;
    await waitFor(async () => (await t.request('GET', `/api/v1/executions/${endedId}`)).body.status === 'failed', 'the run no executor took fails');
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

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('HTTP executors and other answers in the language asked for', () => {
  let t: TestServer;
  const post = async (path: string, body: unknown, headers: Record<string, string>) => {
    const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
  };

  before(async () => {
    t = await startTestServer({ executor: true });
  });
  after(() => t.close());

  it('refuses a callback about another executor’s execution, and a replayed one, in Chinese and in English', async () => {
    const registered = await t.request('POST', '/api/v1/executors/register', { name: 'hook', instance_id: 'hook', base_url: 'http://127.0.0.1:9' });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const task = await t.request('POST', '/api/v1/tasks', { name: 'not-yours', command: '/bin/sleep', args: ['30'] });
    const execution = (await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {})).body.id as string;
    const body = JSON.stringify({ status: 'success' });
    for (const language of ['zh-CN', 'en']) {
      const headers = { ...signedHeaders(registered.body.id, registered.body.callback_secret, execution, body), 'accept-language': language };
      const first = await fetch(`${t.url}/api/v1/executions/${execution}/callback`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      const again = await fetch(`${t.url}/api/v1/executions/${execution}/callback`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      const [notYours, replayed] = [(await first.json()) as { error: { code: string; message: string } }, (await again.json()) as { error: { code: string; message: string } }];
      assert.equal(first.status, 401);
      assert.equal(notYours.error.code, 'unauthorized');
      assert.equal(again.status, 409);
      assert.equal(replayed.error.code, 'replayed_request');
      if (language === 'en') {
        assert.equal(notYours.error.message, `execution '${execution}' is not assigned to the executor that signed this callback`);
        assert.equal(replayed.error.message, 'this callback was accepted before (its nonce is used): sign every request with a new nonce');
      } else {
        assert.equal(notYours.error.message, `执行 '${execution}' 没有分派给签名此回调的执行器`);
        assert.equal(replayed.error.message, '此回调之前已被接受（其 nonce 已用过）：每次请求都请用新的 nonce 签名');
      }
    }
    await t.request('POST', `/api/v1/executions/${execution}/stop`, { force: true });
  });

  it('refuses to register an agent’s instance_id as an HTTP executor, in Chinese and in English', async () => {
    const agents = (await t.request('GET', '/api/v1/executors')).body.items as Array<{ instance_id: string; kind: string }>;
    const agent = agents.find((executor) => executor.kind === 'agent')!;
    const body = { name: 'taken', instance_id: agent.instance_id, base_url: 'http://127.0.0.1:9' };
    const chinese = await post('/api/v1/executors/register', body, { authorization: `Bearer ${t.token}`, 'accept-language': 'zh-CN' });
    const english = await post('/api/v1/executors/register', body, { authorization: `Bearer ${t.token}`, 'accept-language': 'en' });
    assert.equal(chinese.status, 409);
    assert.equal(chinese.body.error.code, english.body.error.code);
    assert.equal(english.body.error.message, `instance_id '${agent.instance_id}' belongs to an agent executor`);
    assert.equal(chinese.body.error.message, `instance_id '${agent.instance_id}' 属于一个代理执行器`);
  });

  it('words the rate limit in Chinese and in English', async () => {
    const limited = await startTestServer({ executor: false, env: { CRONFLEET_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const answers: Array<{ status: number; message: string | undefined; code: string | undefined }> = [];
      for (const language of ['zh-CN', 'en', 'zh-CN', 'en']) {
        const response = await fetch(`${limited.url}/api/v1/tasks`, { headers: { authorization: `Bearer ${limited.token}`, 'accept-language': language } });
        const body = (await response.json()) as { error?: { code: string; message: string } };
        answers.push({ status: response.status, message: body.error?.message, code: body.error?.code });
      }
      const refused = answers.filter((answer) => answer.status === 429);
      assert.ok(refused.length >= 2, JSON.stringify(answers));
      for (const answer of refused) assert.equal(answer.code, 'rate_limited');
      assert.ok(
        refused.some((answer) => answer.message === '请求过于频繁，请稍后再试'),
        JSON.stringify(answers),
      );
      assert.ok(
        refused.some((answer) => answer.message === 'too many requests'),
        JSON.stringify(answers),
      );
    } finally {
      await limited.close();
    }
  });
});

describe('errors of runs in the language asked for', () => {
  let t: TestServer;
  let harness: HttpExecutorHarness;
  const execution = async (id: string, language: string | null) => {
    const headers: Record<string, string> = { authorization: `Bearer ${t.token}` };
    if (language !== null) headers['accept-language'] = language;
    return (await (await fetch(`${t.url}/api/v1/executions/${id}`, { headers })).json()) as { status: string; error: string | null; reason: string | null };
  };
  const run = async (name: string, fields: Record<string, unknown>) => {
    const task = await t.request('POST', '/api/v1/tasks', { name, max_retry: 0, ...fields });
    assert.equal(task.status, 201, JSON.stringify(task.body));
    const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
    return { taskId: task.body.id as string, id: triggered.body.id as string };
  };
  const ended = async (id: string) => {
    await waitFor(async () => !['pending', 'running'].includes((await execution(id, null)).status), `execution ${id} ends`);
    return { english: await execution(id, 'en'), none: await execution(id, null), chinese: await execution(id, 'zh-CN,zh;q=0.9') };
  };

  before(async () => {
    t = await startTestServer({ executor: true, killGraceMs: 200 });
    harness = await HttpExecutorHarness.start();
    const registered = await t.request('POST', '/api/v1/executors/register', harness.registration('http-words'));
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    harness.adopt(registered.body);
  });
  after(async () => {
    await t.close();
    await harness.close();
  });

  it('an exit code, a timeout and a stop, as the agent reports them', async () => {
    const exit = await run('exits-3', { command: '/bin/sh', args: ['-c', 'exit 3'], executors: [{ executor: 'local' }] });
    const timeout = await run('times-out', { command: '/bin/sleep', args: ['30'], timeout_seconds: 1, executors: [{ executor: 'local' }] });
    const stopped = await run('is-stopped', { command: '/bin/sleep', args: ['30'], executors: [{ executor: 'local' }] });
    await waitFor(async () => (await execution(stopped.id, null)).status === 'running', 'the run to stop is running');
    assert.equal((await t.request('POST', `/api/v1/executions/${stopped.id}/stop`, {})).status, 202);

    const cases = [
      { id: exit.id, status: 'failed', english: 'exited with code 3', chinese: '退出码为 3' },
      { id: timeout.id, status: 'timeout', english: 'timed out after 1s', chinese: '运行 1 秒后超时' },
      { id: stopped.id, status: 'cancelled', english: 'stopped on request', chinese: '已按请求停止' },
    ];
    for (const expected of cases) {
      const { english, none, chinese } = await ended(expected.id);
      assert.equal(english.status, expected.status);
      assert.equal(english.error, expected.english);
      assert.equal(none.error, expected.english, 'no Accept-Language: English, as stored');
      assert.equal(chinese.error, expected.chinese);
      assert.equal(chinese.reason, english.reason, 'the reason code is the same in every language');
    }
    // The list words them too.
    const list = await (await fetch(`${t.url}/api/v1/executions?task_id=${exit.taskId}`, { headers: { authorization: `Bearer ${t.token}`, 'accept-language': 'zh-CN' } })).json();
    assert.equal((list as { items: Array<{ error: string }> }).items[0]!.error, '退出码为 3');
  });

  it('an HTTP task answered with an unexpected status, and one whose working directory is missing', async () => {
    const site = createServer((_request, response) => response.writeHead(503).end('down'));
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/health`;
      const probe = await run('probes-a-site', { http: { url, expect_status: [200, 204] }, executors: [{ executor: 'local' }] });
      const answered = await ended(probe.id);
      assert.equal(answered.english.error, 'unexpected HTTP status 503 (expected 200, 204)');
      assert.equal(answered.chinese.error, '意外的 HTTP 状态码 503（期望 200, 204）');
    } finally {
      site.close();
    }
    const nowhere = await run('runs-nowhere', { command: '/bin/true', cwd: '/no/such/directory', executors: [{ executor: 'local' }] });
    const missing = await ended(nowhere.id);
    assert.equal(missing.english.error, "working directory '/no/such/directory' does not exist or is not a directory");
    assert.equal(missing.chinese.error, "工作目录 '/no/such/directory' 不存在或不是目录");
  });

  it('a push to an HTTP executor that fails, and free text an HTTP executor reports', async () => {
    const dead = await t.request('POST', '/api/v1/executors/register', { name: 'dead-hook', instance_id: 'dead-hook', base_url: 'http://127.0.0.1:9' });
    assert.equal(dead.status, 201);
    const pushed = await run('pushed-nowhere', { command: '/bin/true', executors: [{ executor: 'dead-hook' }] });
    const { english, chinese } = await ended(pushed.id);
    assert.equal(english.reason, 'push_failed');
    assert.match(english.error!, /^push to http:\/\/127\.0\.0\.1:9\/run failed: /);
    const detail = english.error!.replace(/^push to http:\/\/127\.0\.0\.1:9\/run failed: /, '');
    assert.equal(chinese.error, `推送到 http://127.0.0.1:9/run 失败：${detail}`, 'the network’s own words stay as they came');

    harness.outcome = () => ({ status: 'failed', error: 'disk on fire (exit status 7)', end_time: new Date().toISOString() });
    const reported = await run('reports-itself', { command: '/bin/true', executors: [{ executor: 'data-processor' }] });
    const own = await ended(reported.id);
    assert.equal(own.english.error, 'disk on fire (exit status 7)');
    assert.equal(own.chinese.error, 'disk on fire (exit status 7)', 'an executor’s own text is answered as it came');
  });

  it('a run no executor could take, and a run stopped before it started', async () => {
    const waiting = await run('waits-for-nobody', { command: '/bin/true', executor_labels: { zone: 'nowhere' }, dispatch_timeout_seconds: 1 });
    const { english, chinese } = await ended(waiting.id);
    assert.equal(english.reason, 'no_executor');
    assert.equal(english.error, 'no executor could take it within 1 s (dispatch_timeout_seconds): no online executor carries the labels {"zone":"nowhere"}');
    assert.equal(chinese.error, '在 1 秒内（dispatch_timeout_seconds）没有执行器能接收它：没有在线执行器带有标签 {"zone":"nowhere"}');

    const pending = await run('stopped-while-waiting', { command: '/bin/true', executor_labels: { zone: 'nowhere' } });
    // While it waits, why it waits is worded in the language asked for too.
    await waitFor(async () => (await execution(pending.id, null)).reason !== null, 'the waiting run has a reason');
    assert.equal((await execution(pending.id, 'en')).reason, 'no online executor carries the labels {"zone":"nowhere"}');
    assert.equal((await execution(pending.id, 'zh-CN')).reason, '没有在线执行器带有标签 {"zone":"nowhere"}');
    assert.equal((await t.request('POST', `/api/v1/executions/${pending.id}/stop`, {})).status, 202);
    const stopped = await ended(pending.id);
    assert.equal(stopped.english.error, 'stopped on request');
    assert.equal(stopped.chinese.error, '已按请求停止');
  });
});

describe('faults of the server in the language asked for', () => {
  it('an unexpected error (500) and a storage fault (503): the code and details as in English, the words Chinese', async () => {
    const app = Fastify({ logger: false });
    installErrorHandling(app);
    app.get('/broken', async () => {
      throw new Error('a bug');
    });
    app.get('/disk-full', async () => {
      throw new StorageError('disk_full', 'the database cannot take writes: SQLITE_FULL: database or disk is full');
    });
    app.get('/internal-hint', async () => {
      throw new CronfleetError('internal', 'a stored secret was sealed with another secret key (id k1); set the secret_key that sealed it');
    });
    app.get('/busy', async () => {
      throw new StorageError('busy', 'the database stayed busy (lock conflicts) after 5 attempts; try again', { attempts: 5 });
    });
    try {
      const answer = async (url: string, language: string) => {
        const response = await app.inject({ method: 'GET', url, headers: { 'accept-language': language } });
        return { status: response.statusCode, body: response.json<{ error: { code: string; message: string; details?: unknown } }>() };
      };
      const broken = [await answer('/broken', 'en'), await answer('/broken', 'zh-CN')];
      assert.deepEqual(
        broken.map(({ status, body }) => [status, body.error.code, body.error.message]),
        [
          [500, 'internal', 'internal server error'],
          [500, 'internal', '服务器内部错误'],
        ],
      );
      // A fault worded only in English (an operator's hint) is put in a Chinese sentence naming its kind.
      const hint = [await answer('/internal-hint', 'en'), await answer('/internal-hint', 'zh-CN')];
      assert.equal(hint[0]!.body.error.message, 'a stored secret was sealed with another secret key (id k1); set the secret_key that sealed it');
      assert.equal(hint[1]!.body.error.message, '服务器内部错误（internal）：a stored secret was sealed with another secret key (id k1); set the secret_key that sealed it');
      assert.equal(hint[1]!.status, 500);
      const full = [await answer('/disk-full', 'en'), await answer('/disk-full', 'zh-CN')];
      assert.equal(full[0]!.body.error.message, 'the database cannot take writes: SQLITE_FULL: database or disk is full');
      assert.equal(full[1]!.body.error.message, '数据库暂时不可用（磁盘已满），请稍后重试：the database cannot take writes: SQLITE_FULL: database or disk is full');
      assert.deepEqual(full[1]!.body.error.details, full[0]!.body.error.details);
      assert.equal(full[1]!.status, 503);
      assert.equal(full[1]!.body.error.code, 'storage_unavailable');
      const busy = [await answer('/busy', 'en'), await answer('/busy', 'zh-CN')];
      assert.equal(busy[1]!.body.error.code, 'storage_busy');
      assert.equal(busy[1]!.body.error.message, '数据库繁忙（锁冲突），请重试：the database stayed busy (lock conflicts) after 5 attempts; try again');
      assert.deepEqual(busy[1]!.body.error.details, busy[0]!.body.error.details);
    } finally {
      await app.close();
    }
  });
});

describe("an agent's run error by key (task_update data.error_detail)", () => {
  const update = (errorDetail: unknown) =>
    parseExecutorMessage(JSON.stringify({ action: 'task_update', worker_id: 'w', task_id: 'e1', attempt: 1, data: { status: 'failed', exit_code: 3, error: 'exited with code 3', error_detail: errorDetail } }));

  it('keeps a run.* message the server knows, and drops anything else without refusing the update', () => {
    const kept = update({ key: 'run.exitCode', params: { code: 3 } });
    assert.equal(kept.action, 'task_update');
    assert.deepEqual(kept.action === 'task_update' && kept.data.error_detail, { key: 'run.exitCode', params: { code: 3 } });
    assert.equal(messageFromJson(kept.action === 'task_update' ? kept.data.error_detail : null)?.in('zh-CN'), '退出码为 3');
    for (const odd of [{ key: 'run.noSuchThing', params: {} }, { key: 'auth.badToken', params: {} }, { key: 'run.exitCode', params: { code: [3] } }, 'exited', null]) {
      const dropped = update(odd);
      assert.equal(dropped.action === 'task_update' && dropped.data.error, 'exited with code 3', JSON.stringify(odd));
      assert.equal(dropped.action === 'task_update' && dropped.data.error_detail, undefined, JSON.stringify(odd));
    }
  });
});
