// An API token is never more than its owner is now: its role is the lesser of its own
// and its owner's current role, and a disabled or deleted owner's tokens are refused.
// Sessions follow the same rule (they end on a new role, a new password, a disabled
// flag, or deletion).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const password = 'correct-horse-battery';

interface Session {
  cookie: string;
  csrf: string;
}

async function login(t: TestServer, username: string): Promise<Session> {
  const response = await fetch(`${t.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { csrf_token: string };
  return { cookie: (response.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: body.csrf_token };
}

async function withSession(t: TestServer, session: Session, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${t.url}${path}`, {
    method,
    headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

describe("an API token is capped by its owner's current state", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  /** A user with the role, and an API token with the same role that the user made for themselves. */
  async function userWithToken(username: string, role: string): Promise<{ userId: string; token: string; tokenId: string; session: Session }> {
    const created = await t.request('POST', '/api/v1/users', { username, password, role });
    assert.equal(created.status, 201);
    const session = await login(t, username);
    const token = await withSession(t, session, 'POST', '/api/v1/tokens', { name: `${username}-ci`, role });
    assert.equal(token.status, 201);
    return { userId: created.body.id, token: token.body.token, tokenId: token.body.id, session };
  }

  const createTask = (token: string, name: string) => t.request('POST', '/api/v1/tasks', { name, cron_expression: '0 0 1 1 *', command: '/bin/true' }, token);

  it("a demoted operator's token can no longer change tasks, and says it is a viewer", async () => {
    const ops = await userWithToken('ops', 'operator');
    assert.equal((await createTask(ops.token, 'before-demotion')).status, 201);
    assert.equal((await t.request('PUT', `/api/v1/users/${ops.userId}`, { role: 'viewer' })).status, 200);
    const refused = await createTask(ops.token, 'after-demotion');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.details.role, 'viewer');
    assert.equal((await t.request('GET', '/api/v1/tasks', undefined, ops.token)).status, 200);
    assert.equal((await t.request('GET', '/api/v1/auth/me', undefined, ops.token)).body.token.role, 'viewer');
    // Nor can it revoke or mint tokens any more (an operator's right).
    assert.equal((await t.request('DELETE', `/api/v1/tokens/${ops.tokenId}`, undefined, ops.token)).status, 403);
    assert.equal((await t.request('POST', '/api/v1/tokens', { name: 'x', role: 'viewer' }, ops.token)).status, 403);
    // Promoted back, the token has its own role again (never more).
    assert.equal((await t.request('PUT', `/api/v1/users/${ops.userId}`, { role: 'admin' })).status, 200);
    assert.equal((await t.request('GET', '/api/v1/auth/me', undefined, ops.token)).body.token.role, 'operator');
    assert.equal((await t.request('GET', '/api/v1/users', undefined, ops.token)).status, 403);
  });

  it("a demoted admin's token loses the admin routes and sees only its owner's tokens", async () => {
    const boss = await userWithToken('boss', 'admin');
    assert.equal((await t.request('GET', '/api/v1/users', undefined, boss.token)).status, 200);
    assert.equal((await t.request('PUT', `/api/v1/users/${boss.userId}`, { role: 'operator' })).status, 200);
    assert.equal((await t.request('GET', '/api/v1/users', undefined, boss.token)).status, 403);
    assert.equal((await t.request('POST', '/api/v1/users', { username: 'mallory', role: 'admin' }, boss.token)).status, 403);
    assert.equal((await t.request('GET', '/api/v1/audit', undefined, boss.token)).status, 403);
    const listed = await t.request('GET', '/api/v1/tokens', undefined, boss.token);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.items.map((token: { id: string }) => token.id),
      [boss.tokenId],
    );
    // It cannot mint a token above its owner's current role.
    assert.equal((await t.request('POST', '/api/v1/tokens', { name: 'escalate', role: 'admin' }, boss.token)).status, 403);
  });

  it("a disabled user's tokens are refused with 401, and work again once the user is enabled", async () => {
    const gone = await userWithToken('paused-user', 'operator');
    assert.equal((await t.request('PUT', `/api/v1/users/${gone.userId}`, { disabled: true })).status, 200);
    for (const [method, path] of [
      ['GET', '/api/v1/tasks'],
      ['GET', '/api/v1/auth/me'],
      ['POST', '/api/v1/tasks'],
    ] as const) {
      const refused = await t.request(method, path, method === 'POST' ? { name: 'x', command: '/bin/true' } : undefined, gone.token);
      assert.equal(refused.status, 401, `${method} ${path}`);
      assert.equal(refused.body.error.code, 'unauthorized');
    }
    assert.equal((await createTask(gone.token, 'while-disabled')).status, 401);
    assert.equal((await t.request('PUT', `/api/v1/users/${gone.userId}`, { disabled: false })).status, 200);
    assert.equal((await createTask(gone.token, 'enabled-again')).status, 201);
  });

  it("a deleted user's tokens are refused with 401, even one the deletion did not revoke", async () => {
    const left = await userWithToken('leaver', 'operator');
    // Removed behind the API's back (no revocation): the token must still be refused.
    await t.server.store.users.delete(left.userId);
    assert.equal((await t.request('GET', '/api/v1/tasks', undefined, left.token)).status, 401);
    const viaApi = await userWithToken('leaver2', 'operator');
    assert.equal((await t.request('DELETE', `/api/v1/users/${viaApi.userId}`)).status, 204);
    assert.equal((await t.request('GET', '/api/v1/tasks', undefined, viaApi.token)).status, 401);
  });

  it('a token made with the admin token has no owner and keeps its own role', async () => {
    const made = await t.request('POST', '/api/v1/tokens', { name: 'ownerless', role: 'operator' });
    assert.equal(made.status, 201);
    assert.equal((await t.request('GET', '/api/v1/auth/me', undefined, made.body.token)).body.token.role, 'operator');
    assert.equal((await t.request('GET', '/api/v1/users', undefined, made.body.token)).status, 403);
  });
});

describe("a user's sessions end when what they may do changes", () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  async function signedIn(username: string, role: string): Promise<{ userId: string; session: Session }> {
    const created = await t.request('POST', '/api/v1/users', { username, password, role });
    assert.equal(created.status, 201);
    return { userId: created.body.id, session: await login(t, username) };
  }

  for (const [change, body] of [
    ['a new role', { role: 'viewer' }],
    ['being disabled', { disabled: true }],
    ['a password set by an admin', { password: 'another-long-password' }],
  ] as const) {
    it(`ends every session on ${change}`, async () => {
      const user = await signedIn(`user-${change.replace(/\W+/g, '-')}`, 'operator');
      assert.equal((await withSession(t, user.session, 'GET', '/api/v1/auth/me')).status, 200);
      assert.equal((await t.request('PUT', `/api/v1/users/${user.userId}`, body)).status, 200);
      assert.equal((await withSession(t, user.session, 'GET', '/api/v1/auth/me')).status, 401);
      assert.equal((await withSession(t, user.session, 'POST', '/api/v1/tasks', { name: 'x', command: '/bin/true' })).status, 401);
    });
  }

  it('ends every session of a user who changes their own password, the other devices too', async () => {
    const user = await signedIn('two-devices', 'viewer');
    const other = await login(t, 'two-devices');
    const changed = await withSession(t, user.session, 'PUT', '/api/v1/auth/password', { current_password: password, new_password: 'a-brand-new-password' });
    assert.equal(changed.status, 204);
    assert.equal((await withSession(t, other, 'GET', '/api/v1/auth/me')).status, 401);
    assert.equal((await withSession(t, user.session, 'GET', '/api/v1/auth/me')).status, 401);
  });

  it('ends every session of a deleted user', async () => {
    const user = await signedIn('deleted-user', 'viewer');
    assert.equal((await t.request('DELETE', `/api/v1/users/${user.userId}`)).status, 204);
    assert.equal((await withSession(t, user.session, 'GET', '/api/v1/auth/me')).status, 401);
  });
});
