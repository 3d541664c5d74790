import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Routes that answer without credentials, each for its own reason (sign-in; an HTTP executor's signed callback). */
const publicRoutes = new Set(['/api/v1/auth/login', '/api/v1/executions/{id}/callback']);

/** Every method + path under /api/v1, read from the OpenAPI document so new routes are covered too. */
async function apiRoutes(t: TestServer): Promise<Array<{ method: string; path: string }>> {
  const docs = await t.request<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api/docs/json');
  assert.equal(docs.status, 200);
  const routes: Array<{ method: string; path: string }> = [];
  for (const [path, operations] of Object.entries(docs.body.paths)) {
    if (!path.startsWith('/api/v1/') || publicRoutes.has(path)) continue;
    for (const method of Object.keys(operations)) {
      routes.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'some-id') });
    }
  }
  return routes;
}

describe('API authentication', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  it('refuses every /api/v1 route without a token with 401 unauthorized', async () => {
    const routes = await apiRoutes(t);
    assert.ok(routes.length >= 15, `expected the whole API in the OpenAPI document, got ${routes.length} routes`);
    for (const { method, path } of routes) {
      const response = await t.request(method, path, method === 'GET' || method === 'DELETE' ? undefined : {}, null);
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.equal(response.body.error.code, 'unauthorized', `${method} ${path}`);
      assert.equal(typeof response.body.error.message, 'string');
    }
  });

  it('refuses every /api/v1 route with a wrong token with 401 unauthorized', async () => {
    for (const { method, path } of await apiRoutes(t)) {
      const response = await t.request(method, path, method === 'GET' || method === 'DELETE' ? undefined : {}, `${t.token}x`);
      assert.equal(response.status, 401, `${method} ${path}`);
      assert.equal(response.body.error.code, 'unauthorized', `${method} ${path}`);
    }
  });

  it('refuses an unknown /api path without a token rather than revealing that it does not exist', async () => {
    const response = await t.request('GET', '/api/v1/no-such-route', undefined, null);
    assert.equal(response.status, 401);
    assert.equal(response.body.error.code, 'unauthorized');
  });

  it('refuses a percent-encoded path to a protected route exactly like the plain one (the router decodes it)', async () => {
    for (const [method, path] of [
      ['GET', '/%61pi/v1/users'],
      ['POST', '/%61pi/v1/users'],
      ['POST', '/%61pi/v1/tasks'],
      ['GET', '/%61pi/v1/executor-tokens'],
      ['GET', '/%61pi/v1/audit'],
      ['GET', '/%61pi/docs/json'],
      ['GET', '/api/docs/json'],
      ['GET', '/%6detrics'],
      ['GET', '/%6Detrics'],
    ]) {
      const response = await t.request(method!, path!, method === 'POST' ? { username: 'intruder', role: 'admin', name: 'intruder', command: '/bin/true' } : undefined, null);
      assert.equal(response.status, 401, `${method} ${path}`);
    }
    assert.equal((await t.request('GET', '/api/v1/users')).body.total, 1);
    assert.equal((await t.request('GET', '/api/v1/tasks')).body.total, 0);
  });

  it('refuses credentials in another scheme than Bearer', async () => {
    const response = await fetch(`${t.url}/api/v1/tasks`, { headers: { authorization: `Basic ${Buffer.from(`admin:${t.token}`).toString('base64')}` } });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'unauthorized');
  });

  it('accepts the admin token', async () => {
    const response = await t.request('GET', '/api/v1/tasks');
    assert.equal(response.status, 200);
  });

  it('answers /healthz without a token with exactly status, instance_id and leader', async () => {
    const response = await t.request('GET', '/healthz', undefined, null);
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys(response.body).sort(), ['instance_id', 'leader', 'status']);
    assert.deepEqual(response.body, { status: 'ok', instance_id: t.server.instanceId, leader: true });
  });

  it('answers /health (seed 004) exactly like /healthz, not with the web UI', async () => {
    const response = await t.request('GET', '/health', undefined, null);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { status: 'ok', instance_id: t.server.instanceId, leader: true });
  });

  it('answers /readyz without a token while the database answers', async () => {
    const response = await t.request('GET', '/readyz', undefined, null);
    assert.equal(response.status, 200);
    assert.equal(response.body.instance_id, t.server.instanceId);
  });

  it('keeps /metrics behind the token by default', async () => {
    const anonymous = await t.request('GET', '/metrics', undefined, null);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error.code, 'unauthorized');
    const authorized = await t.request<string>('GET', '/metrics');
    assert.equal(authorized.status, 200);
    assert.match(authorized.body, /^cronfleet_leader 1$/m);
  });
});

describe('API authentication with public metrics configured', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false, env: { CRONFLEET_METRICS_PUBLIC: 'true' } });
  });
  after(() => t.close());

  it('serves /metrics without a token but still protects /api/v1', async () => {
    assert.equal((await t.request('GET', '/metrics', undefined, null)).status, 200);
    assert.equal((await t.request('GET', '/%6detrics', undefined, null)).status, 200);
    assert.equal((await t.request('GET', '/%61pi/v1/tasks', undefined, null)).status, 401);
    assert.equal((await t.request('GET', '/api/v1/tasks', undefined, null)).status, 401);
  });
});
