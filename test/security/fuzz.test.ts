// Bad input harms nothing: thousands of malformed, oversized and wrong-typed requests to
// every route, and junk frames to the executor gateway. Each gets a clear 4xx error
// ({"error":{"code","message"}}), never a 5xx; the server stays up and stores nothing.
// Bodies are derived from each route's own OpenAPI schema, so new routes are fuzzed too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Schema = { type?: string | string[]; nullable?: boolean; properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[]; enum?: unknown[] };

interface Route {
  method: string;
  path: string;
  body: Schema | null;
}

const junkValues: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  '',
  ' ',
  'x'.repeat(70_000),
  '\u0000',
  '💥',
  '{"a":',
  [],
  [1, 'two', null],
  {},
  { nested: { deeper: [{}] } },
  'NaN',
  '../../etc/passwd',
  "'; DROP TABLE tasks; --",
  '$(rm -rf /)',
];

function wrongFor(schema: Schema | undefined, pick: () => number): unknown {
  const types = new Set([schema?.type ?? (schema?.anyOf ?? []).map((s) => s.type)].flat().filter(Boolean) as string[]);
  // OpenAPI 3.0 writes `string | null` as {"type":"string","nullable":true}: null is then a right value.
  if (schema?.nullable || schema?.anyOf?.some((member) => member.nullable)) types.add('null');
  const candidates = junkValues.filter((value) => {
    const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
    if (type === 'integer' && types.has('number')) return false;
    if (type === 'string' && types.has('string') && !schema?.enum && typeof value === 'string' && value.length < 60_000) return false;
    return !types.has(type);
  });
  return candidates[Math.floor(pick() * candidates.length)];
}

/** One invalid body for a route's schema: a missing required field, a wrong type, an unknown field, or a non-object. */
function badBody(schema: Schema, pick: () => number): unknown {
  // Fields of any type (say, an HTTP body) cannot be wrong.
  const properties = Object.keys(schema.properties ?? {}).filter((name) => wrongFor(schema.properties![name], () => 0) !== undefined);
  const base: Record<string, unknown> = {};
  const mode = Math.floor(pick() * 4);
  if (mode === 0 && properties.length > 0) {
    const name = properties[Math.floor(pick() * properties.length)]!;
    base[name] = wrongFor(schema.properties![name], pick);
    return base;
  }
  if (mode === 1 || properties.length === 0) return { [`unknown_${Math.floor(pick() * 1000)}`]: junkValues[Math.floor(pick() * junkValues.length)] };
  // Not an object at all (an empty object may well be a valid body).
  const notObjects = junkValues.filter((value) => typeof value !== 'object' || value === null || Array.isArray(value));
  if (mode === 2) return notObjects[Math.floor(pick() * notObjects.length)];
  // Every field wrong at once.
  for (const name of properties) base[name] = wrongFor(schema.properties![name], pick);
  return base;
}

const rawBodies = [
  '{',
  '{"name":',
  '[]',
  '"text"',
  '{"a":1}}',
  '\u0000\u0001',
  '{'.repeat(5000) + '}'.repeat(5000),
  'x'.repeat(2 * 1024 * 1024),
  // Well-formed but refused by every route: nested 2,000 deep, a lone surrogate in a key or a value.
  '{"a":' + '['.repeat(2000) + ']'.repeat(2000) + '}',
  '{"a":'.repeat(2000) + '1' + '}'.repeat(2000),
  '{"name":"x\\ud800"}',
  '{"parameters":{"\\udfff":1}}',
  '{"x":[["\\udbff"]]}',
];
const ids = [
  'x',
  'x'.repeat(65),
  '%00',
  '..%2F..%2Fetc',
  "1' OR '1'='1",
  '00000000-0000-0000-0000-000000000000',
  '%F0%9F%92%A5',
  // Not a UUID on any database; not UTF-8 at all; past the router's segment limit.
  'not-a-uuid',
  '-1',
  '1e300',
  '%ED%A0%80',
  '%FF',
  '%E0%A4%A',
  'x'.repeat(500),
];
const queries = [
  'page=-1',
  'page=abc',
  'page_size=100000',
  'page_size=0',
  'status=nope',
  'count=-5',
  'window=forever',
  'from=yesterday',
  'follow=maybe',
  'type=%00',
  'search=' + 'x'.repeat(5000),
  'unknown=1',
  // Numbers past every range, instants past every calendar, ids and filters that are not ids.
  'page=99999999999999999999',
  'page=1e300',
  'page_size=1e300',
  'count=1e300',
  'count=99999999999999999999',
  'limit=1e300',
  'after_seq=1e300',
  'top=1e300',
  'from=0000-01-01',
  'from=99999-01-01',
  'to=%2B275760-09-13T00:00:00Z',
  'from=1900-01-01T00:00:00Z',
  'task_id=%27%20OR%201=1',
  'task_id=not-a-uuid',
  'executor_id=%ED%A0%80',
  'status=%ED%A0%80',
  'trigger=everything',
  'sort=name',
  'order=desc;drop',
  'search=%ED%A0%80',
  'tag=%00',
];

describe('fuzzing the API and the gateway', () => {
  let t: TestServer;
  const routes: Route[] = [];
  let taskId = '';
  let baseline = '';

  /** What is stored, seen through the API: must not change while we fuzz. */
  const snapshot = async () => {
    const parts = await Promise.all(
      ['/api/v1/tasks?page_size=1000', '/api/v1/executions?page_size=1000', '/api/v1/executors', '/api/v1/users', '/api/v1/tokens', '/api/v1/executor-tokens'].map(async (path) => {
        const { body } = await t.request('GET', path);
        return (body.items as Array<Record<string, unknown>>).map(({ last_heartbeat, heartbeat_age_seconds, updated_at, last_used_at, next_fire_at, ...rest }) => rest);
      }),
    );
    return JSON.stringify(parts);
  };

  before(async () => {
    t = await startTestServer({ executor: false });
    const docs = await t.request<{ paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>> }>('GET', '/api/docs/json');
    for (const [path, operations] of Object.entries(docs.body.paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, operation] of Object.entries(operations)) {
        routes.push({ method: method.toUpperCase(), path, body: operation.requestBody?.content?.['application/json']?.schema ?? null });
      }
    }
    const created = await t.request('POST', '/api/v1/tasks', { name: 'fuzz-target', cron_expression: '0 0 1 1 *', command: '/bin/true' });
    taskId = created.body.id;
    baseline = await snapshot();
  });
  after(() => t.close());

  const check = (label: string, status: number, body: any, problems: string[]) => {
    if (status >= 500) problems.push(`${label}: ${status} ${JSON.stringify(body).slice(0, 200)}`);
    else if (status >= 400 && (typeof body?.error?.code !== 'string' || typeof body?.error?.message !== 'string' || body.error.message.length === 0)) {
      problems.push(`${label}: ${status} without a clear error: ${JSON.stringify(body).slice(0, 200)}`);
    } else if (status < 400 && label.includes(' body ')) problems.push(`${label}: accepted (${status})`);
  };

  const send = async (method: string, url: string, body: string | undefined, contentType = 'application/json') => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 5000);
    try {
      const response = await fetch(`${t.url}${url}`, {
        method,
        signal: controller.signal,
        headers: { authorization: `Bearer ${t.token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
        ...(body !== undefined ? { body } : {}),
      });
      // A stream that opened is an answer; its body never ends.
      const streaming = /event-stream|ndjson/.test(response.headers.get('content-type') ?? '');
      const text = streaming ? '' : await response.text();
      controller.abort();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // keep the text
      }
      return { status: response.status, body: parsed };
    } catch (error) {
      return { status: 599, body: `no answer within 5 s: ${(error as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  };

  it('answers thousands of wrong-typed and malformed bodies with clear 4xx errors', async () => {
    const pick = random(20261122);
    const problems: string[] = [];
    let sent = 0;
    const withBodies = routes.filter((route) => route.body && !route.path.endsWith('/callback'));
    assert.ok(withBodies.length >= 10, `expected the API's body routes, got ${withBodies.length}`);
    for (const route of withBodies) {
      const url = route.path.replace(/\{[^}]+\}/g, route.path.startsWith('/api/v1/tasks') ? taskId : 'no-such-id');
      for (let round = 0; round < 120; round++) {
        const body = badBody(route.body!, pick);
        const response = await send(route.method, url, JSON.stringify(body));
        // The login route answers a well-formed but wrong sign-in with 401: that is its clear error.
        check(`${route.method} ${route.path} body ${JSON.stringify(body).slice(0, 80)}`, response.status, response.body, problems);
        sent++;
      }
      for (const raw of rawBodies) {
        const response = await send(route.method, url, raw);
        check(`${route.method} ${route.path} raw body ${raw.slice(0, 20)}`, response.status, response.body, problems);
        sent++;
      }
      const wrongType = await send(route.method, url, 'name=x', 'application/x-www-form-urlencoded');
      check(`${route.method} ${route.path} form body`, wrongType.status, wrongType.body, problems);
      sent++;
    }
    assert.deepEqual(problems, []);
    assert.ok(sent > 1500, `sent ${sent}`);
    assert.equal(await snapshot(), baseline, 'nothing stored changed');
  });

  it('answers malformed ids and query strings on every route with 4xx, never 5xx', async () => {
    const problems: string[] = [];
    for (const route of routes) {
      if (route.path.endsWith('/login') || route.path.endsWith('/logout') || route.path.endsWith('/password')) continue;
      for (const id of ids) {
        const url = route.path.replace(/\{[^}]+\}/g, id);
        const response = await send(route.method, url, route.body ? '{}' : undefined);
        if (response.status >= 500) problems.push(`${route.method} ${url}: ${response.status}`);
      }
      if (route.method !== 'GET') continue;
      for (const query of queries) {
        const url = `${route.path.replace(/\{[^}]+\}/g, taskId)}?${query}`;
        const response = await send('GET', url, undefined);
        check(`GET ${url.slice(0, 120)}`, response.status, response.body, problems);
      }
    }
    assert.deepEqual(problems, []);
    assert.equal(await snapshot(), baseline);
  });

  it('answers every GET route with odd headers (Accept-Language, charset, Accept) without a 5xx', async () => {
    const problems: string[] = [];
    const headerSets: Array<Record<string, string>> = [
      { 'accept-language': 'x'.repeat(8000) },
      { 'accept-language': '*;q=1e300, zz-ZZ;q=-1, \u00e9' },
      { accept: 'application/xml;q=0, */*;q=NaN' },
      { 'if-none-match': '"' + 'x'.repeat(4000) },
      { 'content-type': 'application/json; charset=utf-16' },
    ];
    for (const route of routes) {
      if (route.method !== 'GET') continue;
      const url = route.path.replace(/\{[^}]+\}/g, taskId);
      for (const headers of headerSets) {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), 5000);
        try {
          const response = await fetch(`${t.url}${url}`, { signal: controller.signal, headers: { authorization: `Bearer ${t.token}`, ...headers } });
          if (response.status >= 500) problems.push(`GET ${url} ${Object.keys(headers)[0]}: ${response.status}`);
          controller.abort();
        } catch (error) {
          if ((error as Error).name !== 'AbortError') problems.push(`GET ${url}: ${(error as Error).message}`);
        } finally {
          clearTimeout(timer);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('answers junk WebSocket frames with error frames and keeps serving', async () => {
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/ws/executor`);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const replies: string[] = [];
    socket.on('message', (data: Buffer) => replies.push(String(data)));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const pick = random(7);
    const frames: Array<string | Buffer> = [
      'not json',
      '{',
      'null',
      '[]',
      '42',
      Buffer.from([0, 1, 2, 3, 255]),
      JSON.stringify({ action: 'heartbeat', running: [] }),
      JSON.stringify({ action: 'task_update', task_id: 'x', data: { status: 'success' } }),
      JSON.stringify({ action: 'log', execution_id: 'x', seq: -1, stream: 'stdout', chunk: 'x' }),
      JSON.stringify({ action: 'no_such_action' }),
    ];
    for (let i = 0; i < 200; i++) {
      frames.push(
        JSON.stringify({
          action: 'hello',
          name: wrongFor({ type: 'string' }, pick),
          instance_id: wrongFor({ type: 'string' }, pick),
          capacity: wrongFor({ type: 'integer' }, pick),
          protocol_version: wrongFor({ type: 'integer' }, pick),
          labels: wrongFor({ type: 'object' }, pick),
          runners: wrongFor({ type: 'array' }, pick),
          running: [],
          version: 'x',
          token: 'cfx_not-a-token',
        }),
      );
    }
    for (const frame of frames) {
      if (socket.readyState !== WebSocket.OPEN) break;
      socket.send(frame);
    }
    // A frame far over the size limit: the gateway closes the socket rather than buffer it.
    if (socket.readyState === WebSocket.OPEN) socket.send('x'.repeat(8 * 1024 * 1024));
    await closed;
    assert.ok(replies.length > 0, 'the gateway answered');
    for (const reply of replies) {
      const parsed = JSON.parse(reply);
      assert.equal(parsed.action, 'error', reply);
      assert.equal(typeof parsed.message, 'string');
    }
    // Still serving, and no executor was registered by any of it.
    assert.equal((await t.request('GET', '/healthz', undefined, null)).status, 200);
    assert.equal(await snapshot(), baseline);
  });
});

describe('NUL characters', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: true });
  });
  after(() => t.close());

  it('refuses NUL in any text of a request with a 400 naming the field', async () => {
    const response = await t.request('POST', '/api/v1/tasks', { name: 'nul', command: '/bin/true', description: 'a\u0000b' });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.details.field, 'description');
    assert.equal((await t.request('GET', '/api/v1/tasks/a%00b')).status, 400);
  });

  it('stores the output of a process that prints NUL bytes', async () => {
    const created = await t.request('POST', '/api/v1/tasks', { name: 'nul-output', command: "printf 'before\\000after'; printf 'err\\000' >&2; exit 3", shell: true });
    const triggered = await t.request('POST', `/api/v1/tasks/${created.body.id}/trigger`);
    let execution;
    for (let i = 0; i < 200; i++) {
      execution = (await t.request('GET', `/api/v1/executions/${triggered.body.id}`)).body;
      if (execution.status !== 'pending' && execution.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(execution.status, 'failed');
    assert.equal(execution.exit_code, 3);
    const logs = await t.request('GET', `/api/v1/executions/${triggered.body.id}/logs`);
    assert.equal(logs.status, 200);
    assert.match(JSON.stringify(logs.body), /before.after/);
  });
});
