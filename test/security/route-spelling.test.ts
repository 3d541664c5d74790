// Access is decided on the route the router matched, so no spelling of a path gets past
// it: percent-encoded letters (upper and lower hex), other letter case, dot segments
// (plain and encoded), doubled and encoded slashes, trailing slashes, ;matrix and query
// parts. Every route the server registered is walked (the list comes from the app, so a
// new route is covered without touching this file), without credentials and with a
// viewer where the route needs more; requests go out on a raw socket path, exactly as
// written (fetch would resolve the dot segments itself).
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { attachRouteAccess, declaredRoutes, type DeclaredRoute } from '../../src/api/access.ts';
import { installAuth } from '../../src/api/auth.ts';
import { installErrorHandling } from '../../src/api/errors.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** The routes that may answer without credentials, by design (written out here, not read from access.ts). */
const publicByDesign = new Set(['GET /healthz', 'GET /health', 'GET /readyz', 'GET /', 'GET /*', 'OPTIONS *', 'POST /api/v1/auth/login']);
/** Routes that check a credential of their own kind; without one they must not answer 2xx either. */
const ownCredential = new Set(['GET /ws/executor', 'POST /api/v1/executions/:id/callback']);
const refusals = new Set([400, 401, 403, 404]);

const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });

function send(base: string, method: string, rawPath: string, headers: Record<string, string>, body?: unknown): Promise<number> {
  const { hostname, port } = new URL(base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { agent: keepAlive, hostname, port, method, path: rawPath, headers: { ...headers, ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}) } },
      (response) => {
        // Only the status matters; a stream that started is dropped.
        response.destroy();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

const encode = (char: string, upper: boolean) => {
  const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
  return `%${upper ? hex.toUpperCase() : hex.toLowerCase()}`;
};

/** Many spellings of one path that a lenient reader could take for the same resource. */
export function spellings(path: string): string[] {
  const out = new Set<string>([path]);
  const letters = [...path].map((char, index) => (/[A-Za-z]/.test(char) ? index : -1)).filter((index) => index >= 0);
  for (const [n, index] of letters.entries()) {
    // Each letter percent-encoded on its own, alternating lower and upper hex.
    out.add(path.slice(0, index) + encode(path[index]!, n % 2 === 1) + path.slice(index + 1));
  }
  // Encoded twice: a proxy that decodes again would see the plain letter.
  if (letters[0] !== undefined) out.add(path.slice(0, letters[0]) + encode(path[letters[0]]!, false).replace('%', '%25') + path.slice(letters[0] + 1));
  // Full-width letters (UTF-8, percent-encoded), which NFKC folds to ASCII.
  out.add([...path].map((char) => (/[a-z]/.test(char) ? encodeURIComponent(String.fromCodePoint(char.codePointAt(0)! + 0xfee0)) : char)).join(''));
  for (const upper of [false, true]) out.add([...path].map((char) => (/[A-Za-z]/.test(char) ? encode(char, upper) : char)).join(''));
  out.add(path.toUpperCase());
  out.add(path.replace(/\/([a-z])/g, (_match, letter: string) => `/${letter.toUpperCase()}`));
  const segments = path.split('/').slice(1);
  for (let cut = 0; cut <= segments.length; cut++) {
    const head = `/${segments.slice(0, cut).join('/')}`.replace(/\/$/, '');
    const tail = segments.slice(cut).join('/');
    const join = (middle: string) => `${head}${middle}${tail}`;
    for (const middle of ['/./', '/x/../', '/%2e/', '/%2E/', '/x/%2e%2e/', '/x/%2E%2E/', '/x/.%2e/', '//', '/%2f', '/%2F', '\\', '/;m=1/']) out.add(join(middle));
  }
  for (const [index, segment] of segments.entries()) {
    const copy = [...segments];
    copy[index] = `${segment};jsessionid=1`;
    out.add(`/${copy.join('/')}`);
  }
  out.add(`/${segments.join('%2f')}`);
  out.add(`/${segments.join('%2F')}`);
  out.add(`//${segments.join('/')}`);
  out.add(`${path}/`);
  out.add(`${path}/.`);
  out.add(`${path}//`);
  out.add(`${path};x=1`);
  out.add(`${path}?x=1`);
  out.add(`${path}?`);
  out.add(`${path}#top`);
  out.add(`${path}%3fx=1`);
  out.add(`${path}%00`);
  out.add(`${path}%20`);
  out.add(`${path}.`);
  // Absolute-form request targets (as sent to a proxy) and a target without its leading slash.
  out.add(`http://localhost${path}`);
  out.add(`http://localhost/${encode(path[1] ?? 'a', false)}${path.slice(2)}`);
  out.add(path.slice(1));
  return [...out];
}

describe('every route under every spelling of its path', () => {
  let t: TestServer;
  let viewerToken: string;
  let ids: Record<string, string>;
  before(async () => {
    // CORS on, so its catch-all OPTIONS route is registered and walked too.
    t = await startTestServer({ executor: false, env: { CRONFLEET_CORS_ORIGINS: 'https://ops.example', CRONFLEET_LOGIN_RATE_LIMIT_PER_MINUTE: '10000' } });
    const viewer = await t.request('POST', '/api/v1/tokens', { name: 'spelling-viewer', role: 'viewer' });
    assert.equal(viewer.status, 201);
    viewerToken = viewer.body.token;
    const task = await t.request('POST', '/api/v1/tasks', { name: 'bystander', cron_expression: '0 0 1 1 *', command: '/bin/true' });
    assert.equal(task.status, 201);
    const user = await t.request('POST', '/api/v1/users', { username: 'bystander', role: 'viewer' });
    assert.equal(user.status, 201);
    const executorToken = await t.request('POST', '/api/v1/executor-tokens', { name: 'bystander' });
    assert.equal(executorToken.status, 201);
    ids = { tasks: task.body.id, users: user.body.id, tokens: viewer.body.id, 'executor-tokens': executorToken.body.id };
  });
  after(() => t.close());

  /** What exists: nothing a refused request did may change it. */
  async function state() {
    const [tasks, users, tokens, executorTokens, executions, executors] = await Promise.all(
      ['/api/v1/tasks', '/api/v1/users', '/api/v1/tokens', '/api/v1/executor-tokens', '/api/v1/executions', '/api/v1/executors'].map((path) => t.request('GET', path)),
    );
    return {
      tasks: tasks!.body.items.map((task: any) => `${task.id}:${task.name}:${task.status}`),
      users: users!.body.items.map((user: any) => `${user.id}:${user.username}:${user.role}:${user.disabled}`),
      tokens: tokens!.body.items.map((token: any) => `${token.id}:${token.role}:${token.revoked_at}`),
      executorTokens: executorTokens!.body.items.map((token: any) => `${token.id}:${token.revoked_at ?? token.revokedAt ?? ''}`),
      executions: executions!.body.total,
      executors: executors!.body.items.length,
    };
  }

  /** A concrete path for a route pattern: real ids where they exist, so an allowed change would show. */
  function concrete(route: DeclaredRoute): string {
    if (route.url === '*') return '/api/v1/tasks';
    return route.url.replace(/\/([a-z-]+)\/:[a-z_]+/g, (_match, collection: string) => `/${collection}/${ids[collection] ?? 'no-such-id'}`).replace(/\*$/, 'index.css');
  }

  /** A body that would change something if the request were let through. */
  function bodyFor(route: DeclaredRoute): unknown {
    if (route.method === 'GET' || route.method === 'HEAD' || route.method === 'DELETE' || route.method === 'OPTIONS') return undefined;
    const bodies: Record<string, unknown> = {
      'POST /api/v1/users': { username: 'intruder', password: 'correct-horse-battery-staple', role: 'admin' },
      'PUT /api/v1/users/:id': { role: 'admin', disabled: true },
      'POST /api/v1/tasks': { name: 'intruder', cron_expression: '* * * * *', command: '/usr/bin/id' },
      'PUT /api/v1/tasks/:id': { name: 'renamed', cron_expression: '* * * * *', command: '/usr/bin/id' },
      'POST /api/v1/tokens': { name: 'intruder', role: 'admin' },
      'POST /api/v1/executor-tokens': { name: 'intruder' },
      'POST /api/v1/executors/register': { instance_id: 'intruder', name: 'intruder', url: 'http://127.0.0.1:9/run' },
      'PUT /api/v1/executors/:id/status': { status: 'offline' },
      'POST /api/v1/auth/login': { username: 'admin', password: 'not-the-password' },
      'PUT /api/v1/auth/password': { current_password: 'x', new_password: 'correct-horse-battery-staple' },
    };
    return bodies[`${route.method} ${route.url}`] ?? {};
  }

  it('lists every route the server registered, each with its access', () => {
    const routes = declaredRoutes(t.server.app);
    const keys = new Set(routes.map((route) => `${route.method} ${route.url}`));
    for (const expected of ['GET /api/v1/users', 'POST /api/v1/tasks', 'GET /metrics', 'GET /ws/executor', 'GET /api/docs/json', 'GET /*', 'OPTIONS *', 'GET /healthz']) {
      assert.ok(keys.has(expected), `${expected} is missing from the routes the app declared`);
    }
    // Cross-check with the router's own listing: no route escaped the declaration.
    const listed = t.server.app.printRoutes({ commonPrefix: false });
    const stack: string[] = [];
    for (const line of listed.split('\n')) {
      const match = /^([│ ]*)[├└]── (\S+) \(([A-Z, ]+)\)$/u.exec(line.replace(/\u00a0/g, ' '));
      if (!match) continue;
      const depth = match[1]!.length / 4;
      stack.length = depth;
      stack.push(match[2]!);
      const url = stack.join('');
      if (url.includes('*')) continue; // the listing shortens wildcard routes
      // A prefix's "/" route is also routed with a trailing slash, under the same config.
      for (const method of match[3]!.split(', ')) assert.ok(keys.has(`${method} ${url}`) || keys.has(`${method} ${url.replace(/(.)\/$/, '$1')}`), `${method} ${url} is routed but was never declared`);
    }
  });

  it('opens only the routes meant to be public', () => {
    const open = declaredRoutes(t.server.app)
      .filter((route) => route.access === 'public' && !publicByDesign.has(`${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`))
      .map((route) => `${route.method} ${route.url}`);
    assert.deepEqual(open, []);
  });

  // Thousands of requests: on a loaded CI machine this takes minutes, so it gets more than the default 120 s.
  it('refuses every spelling of every protected route, without credentials and with a viewer below its role, and changes nothing', { timeout: 600_000 }, async () => {
    const before = await state();
    const wrong: string[] = [];
    const requests: Array<{ route: DeclaredRoute; key: string; isPublic: boolean; path: string; caller: string; headers: Record<string, string> }> = [];
    for (const route of declaredRoutes(t.server.app)) {
      const key = `${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`;
      const isPublic = publicByDesign.has(key);
      const callers: Array<[string, Record<string, string>]> = [['anonymous', {}]];
      if (!isPublic && !ownCredential.has(key) && route.access !== 'viewer' && route.access !== 'signed_in') callers.push(['viewer', { authorization: `Bearer ${viewerToken}` }]);
      for (const path of spellings(concrete(route))) {
        for (const [caller, headers] of callers) requests.push({ route, key, isPublic, path, caller, headers });
      }
    }
    // A few at a time: one after another, a loaded machine's scheduling gaps add up to minutes.
    let next = 0;
    const sendRest = async () => {
      for (let request = requests[next++]; request !== undefined; request = requests[next++]) {
        const { route, key, isPublic, path, caller, headers } = request;
        const status = await send(t.url, route.method, path, { ...headers, origin: 'https://ops.example' }, bodyFor(route));
        if (status >= 500) wrong.push(`${route.method} ${path} (${key}) as ${caller}: ${status}`);
        else if (!isPublic && !refusals.has(status)) wrong.push(`${route.method} ${path} (${key}) as ${caller}: ${status}, expected 400/401/403/404`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, sendRest));
    const sent = requests.length;
    assert.ok(sent > 2000, `expected thousands of spellings, sent ${sent}`);
    assert.deepEqual(wrong, []);
    assert.deepEqual(await state(), before);
  });

  it('says an unknown path exists or not only to a signed-in caller, whatever the spelling', async () => {
    for (const path of [
      '/api/v1/no-such-thing',
      '/%61pi/v1/no-such-thing',
      '/%2561pi/v1/users',
      '/%EF%BD%81pi/v1/users',
      '/API/v1/users',
      '/api/v1/users/',
      '/x/../api/v1/users/',
      '/api;x/v1/users',
      '/ws/other',
      '/Ws/executor',
      '/metrics/',
      '/api',
    ]) {
      assert.equal(await send(t.url, 'GET', path, {}), 401, `GET ${path} anonymously`);
      assert.equal(await send(t.url, 'GET', path, { authorization: `Bearer ${viewerToken}` }), 404, `GET ${path} as a viewer`);
      assert.equal(await send(t.url, 'POST', path, {}, {}), 401, `POST ${path} anonymously`);
    }
  });

  it('still serves the web UI for its own paths, in any spelling, to a page navigation', async () => {
    for (const path of ['/', '/tasks', '/%74asks/some-id', '/tasks/./x', '/settings/tokens']) {
      assert.equal(await send(t.url, 'GET', path, { accept: 'text/html' }), 200, `GET ${path}`);
    }
  });
});

describe('rate limits key on the matched route', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false, env: { CRONFLEET_RATE_LIMIT_PER_MINUTE: '3', CRONFLEET_LOGIN_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  after(async () => {
    keepAlive.destroy();
    await t.close();
  });

  it('counts an encoded spelling of an API path against the same limit', async () => {
    const statuses = [];
    for (const path of ['/api/v1/tasks', '/%61pi/v1/tasks', '/%61%70%69/v1/tasks', '/api/v1/%74asks']) {
      statuses.push(await send(t.url, 'GET', path, { authorization: `Bearer ${t.token}` }));
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });

  it('counts sign-in attempts through an encoded login path against the same limit', async () => {
    const statuses = [];
    for (const path of ['/api/v1/auth/login', '/%61pi/v1/auth/login', '/api/v1/auth/%6cogin', '/api/v1/%61uth/login']) {
      statuses.push(await send(t.url, 'POST', path, {}, { username: 'admin', password: 'wrong-password' }));
    }
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  });
});

describe('deny by default', () => {
  it('stops the server at start when a route has no access declared', async () => {
    const app = Fastify();
    attachRouteAccess(app, { metricsPublic: false });
    assert.throws(() => app.get('/api/v1/undeclared', async () => 'open'), /GET \/api\/v1\/undeclared has no entry in src\/api\/access.ts/);
    await app.close();
  });

  it('refuses a route that escaped the declaration (registered before it), even with credentials', async () => {
    const app = Fastify();
    installErrorHandling(app);
    app.get('/escaped', async () => 'open');
    attachRouteAccess(app, { metricsPublic: false });
    installAuth(app, { store: null as never, adminToken: 'admin-token-for-this-test', sessionTtlMs: 60_000, now: () => Date.now() });
    const response = await app.inject({ method: 'GET', url: '/escaped', headers: { authorization: 'Bearer admin-token-for-this-test' } });
    assert.equal(response.statusCode, 403);
    await app.close();
  });
});
