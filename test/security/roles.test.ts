// Every REST route × every role: a role below what the route needs gets 403, a role
// at or above it gets past authorization. The policy is written out here on its own
// (not read from src/api/access.ts), so a wrong entry in the table fails this test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

type Role = 'viewer' | 'operator' | 'admin';
const roles: Role[] = ['viewer', 'operator', 'admin'];
const rank = (role: Role) => roles.indexOf(role);

/** What each route should need, from the issue: admins everything, operators tasks and executions, viewers read. */
function expectedRole(method: string, path: string): Role | 'any' {
  if (path.startsWith('/api/v1/auth/')) return 'any';
  // Channels hold webhook keys and SMTP credentials (issue 16: admin).
  if (path.startsWith('/api/v1/users') || path.startsWith('/api/v1/executor-tokens') || path.startsWith('/api/v1/channels') || path === '/api/v1/audit') return 'admin';
  if (path.startsWith('/api/v1/alert-rules') && method !== 'GET') return 'admin';
  if (path.startsWith('/api/v1/tokens')) return 'operator'; // everyone with write access manages their own tokens
  if (method === 'GET' || path === '/api/v1/schedules/preview') return 'viewer';
  if (path.startsWith('/api/v1/tasks') || path.startsWith('/api/v1/executions') || path.startsWith('/api/v1/workflows')) return 'operator'; // workflows: as tasks (issue 19)
  return 'admin';
}

const publicRoutes = new Set(['POST /api/v1/auth/login', 'POST /api/v1/executions/{id}/callback']);

async function apiRoutes(t: TestServer): Promise<Array<{ method: string; path: string; url: string }>> {
  const docs = await t.request<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api/docs/json');
  assert.equal(docs.status, 200);
  const routes = [];
  for (const [path, operations] of Object.entries(docs.body.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const method of Object.keys(operations).map((m) => m.toUpperCase())) {
      if (publicRoutes.has(`${method} ${path}`)) continue;
      routes.push({ method, path, url: path.replace(/\{[^}]+\}/g, 'no-such-id') });
    }
  }
  return routes;
}

describe('role matrix', () => {
  let t: TestServer;
  const tokens = new Map<Role, string>();
  before(async () => {
    t = await startTestServer({ executor: false });
    for (const role of roles) {
      const created = await t.request('POST', '/api/v1/tokens', { name: `matrix-${role}`, role });
      assert.equal(created.status, 201);
      tokens.set(role, created.body.token);
    }
  });
  after(() => t.close());

  it('gives each role exactly what its route needs, on every route', async () => {
    const routes = await apiRoutes(t);
    assert.ok(routes.length >= 30, `expected the whole API, got ${routes.length} routes`);
    const wrong: string[] = [];
    for (const { method, path, url } of routes) {
      const needed = expectedRole(method, path);
      for (const role of roles) {
        // Streams are opened and dropped: only the status matters.
        const controller = new AbortController();
        const response = await fetch(`${t.url}${url}`, {
          method,
          signal: controller.signal,
          headers: { authorization: `Bearer ${tokens.get(role)}`, ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
          ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
        });
        const status = response.status;
        controller.abort();
        await response.body?.cancel().catch(() => {});
        const allowed = needed === 'any' || rank(role) >= rank(needed);
        if (allowed && (status === 401 || status === 403)) wrong.push(`${method} ${path} as ${role}: ${status}, expected to pass authorization`);
        if (!allowed && status !== 403) wrong.push(`${method} ${path} as ${role}: ${status}, expected 403`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  it('answers a forbidden call with the role it needs', async () => {
    const response = await t.request('POST', '/api/v1/tasks', { name: 'x', command: 'true' }, tokens.get('viewer'));
    assert.equal(response.status, 403);
    assert.equal(response.body.error.code, 'forbidden');
    assert.match(response.body.error.message, /operator role/);
  });

  it('lets an operator run tasks end to end but not manage the fleet', async () => {
    const operator = tokens.get('operator');
    const created = await t.request('POST', '/api/v1/tasks', { name: 'op-task', command: '/bin/true' }, operator);
    assert.equal(created.status, 201);
    assert.equal((await t.request('POST', `/api/v1/tasks/${created.body.id}/pause`, undefined, operator)).status, 200);
    assert.equal((await t.request('POST', '/api/v1/executor-tokens', { name: 'x' }, operator)).status, 403);
    assert.equal((await t.request('GET', '/api/v1/users', undefined, operator)).status, 403);
  });

  it('refuses executor tokens on the REST API', async () => {
    const created = await t.request('POST', '/api/v1/executor-tokens', { name: 'agent' });
    const response = await t.request('GET', '/api/v1/tasks', undefined, created.body.token);
    assert.equal(response.status, 401);
    assert.match(response.body.error.message, /executor tokens only connect executors/);
  });

  it('refuses API tokens on the executor socket', async () => {
    const { WebSocket } = await import('ws');
    const socket = new WebSocket(`${t.url.replace('http', 'ws')}/ws/executor`);
    const closed = new Promise<string>((resolve) => {
      socket.on('message', (data: Buffer) => resolve(String(data)));
      socket.on('close', () => resolve('closed'));
    });
    await new Promise((resolve) => socket.on('open', resolve));
    socket.send(JSON.stringify({ action: 'hello', protocol_version: 1, version: 'test', name: 'x', instance_id: 'x', token: tokens.get('admin'), labels: {}, capacity: 1, runners: [], running: [] }));
    assert.match(await closed, /unauthorized/);
    socket.close();
  });

  it('stops a token at once when it is revoked, and an expired token never works', async () => {
    const created = await t.request('POST', '/api/v1/tokens', { name: 'short', role: 'viewer' });
    assert.equal((await t.request('GET', '/api/v1/tasks', undefined, created.body.token)).status, 200);
    assert.equal((await t.request('DELETE', `/api/v1/tokens/${created.body.id}`)).status, 204);
    assert.equal((await t.request('GET', '/api/v1/tasks', undefined, created.body.token)).status, 401);
    const listed = await t.request('GET', '/api/v1/tokens');
    const row = listed.body.items.find((item: { id: string }) => item.id === created.body.id);
    assert.ok(row.revoked_at);
    assert.ok(row.last_used_at, 'last use is recorded');
    assert.equal(row.token, undefined, 'the secret is never listed');
  });

  it('does not let a role mint a token above itself', async () => {
    const response = await t.request('POST', '/api/v1/tokens', { name: 'escalate', role: 'admin' }, tokens.get('operator'));
    assert.equal(response.status, 403);
    assert.equal(response.body.error.details.field, 'role');
  });
});
