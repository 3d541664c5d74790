// Users sign in with a password and get an HttpOnly, SameSite=Strict session cookie;
// changes over a session need the CSRF token. No default password exists.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface Session {
  cookie: string;
  csrf: string;
  setCookie: string;
}

async function login(t: TestServer, username: string, password: string): Promise<{ status: number; body: any; session: Session | null }> {
  const response = await fetch(`${t.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const body = (await response.json()) as any;
  const setCookie = response.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  return { status: response.status, body, session: response.ok ? { cookie, csrf: body.csrf_token, setCookie } : null };
}

function withSession(t: TestServer, session: Session, method: string, path: string, body?: unknown, csrf: string | null = session.csrf) {
  return fetch(`${t.url}${path}`, {
    method,
    headers: { cookie: session.cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

describe('users and sessions', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  it('creates the first admin with a random one-time password, never a default one', async () => {
    assert.ok(t.adminPassword.length >= 20);
    for (const guess of ['admin', 'password', 'cronfleet', '123456', 'admin123']) {
      assert.equal((await login(t, 'admin', guess)).status, 401);
    }
    const { status, body } = await login(t, 'admin', t.adminPassword);
    assert.equal(status, 200);
    assert.equal(body.user.username, 'admin');
    assert.equal(body.user.role, 'admin');
  });

  it('sets an HttpOnly SameSite=Strict cookie and no password hash ever leaves the server', async () => {
    const { session, body } = await login(t, 'admin', t.adminPassword);
    assert.match(session!.setCookie, /HttpOnly/i);
    assert.match(session!.setCookie, /SameSite=Strict/i);
    assert.match(session!.setCookie, /Path=\//i);
    assert.equal(JSON.stringify(body).includes('scrypt'), false);
    const users = await t.request('GET', '/api/v1/users');
    assert.equal(JSON.stringify(users.body).includes('scrypt'), false);
  });

  it('answers the same way for an unknown user and a wrong password', async () => {
    const unknown = await login(t, 'nobody', 'whatever-password');
    const wrong = await login(t, 'admin', 'whatever-password');
    assert.deepEqual(unknown.body, wrong.body);
    assert.equal(unknown.body.error.code, 'unauthorized');
  });

  it('needs the CSRF token for every change made over a session', async () => {
    const { session } = await login(t, 'admin', t.adminPassword);
    assert.equal((await withSession(t, session!, 'GET', '/api/v1/tasks')).status, 200);
    const noToken = await withSession(t, session!, 'POST', '/api/v1/tasks', { name: 'csrf-task', command: '/bin/true' }, null);
    assert.equal(noToken.status, 403);
    assert.match(((await noToken.json()) as any).error.message, /x-csrf-token/);
    const wrongToken = await withSession(t, session!, 'POST', '/api/v1/tasks', { name: 'csrf-task', command: '/bin/true' }, 'forged');
    assert.equal(wrongToken.status, 403);
    assert.equal((await t.request('GET', '/api/v1/tasks?search=csrf-task')).body.total, 0, 'nothing was stored');
    const ok = await withSession(t, session!, 'POST', '/api/v1/tasks', { name: 'csrf-task', command: '/bin/true' });
    assert.equal(ok.status, 201);
  });

  it('tells the signed-in user who they are, and signing out ends the session', async () => {
    const { session } = await login(t, 'admin', t.adminPassword);
    const me = await withSession(t, session!, 'GET', '/api/v1/auth/me');
    const body = (await me.json()) as any;
    assert.equal(body.user.username, 'admin');
    assert.equal(body.csrf_token, session!.csrf);
    assert.equal((await withSession(t, session!, 'POST', '/api/v1/auth/logout')).status, 204);
    assert.equal((await withSession(t, session!, 'GET', '/api/v1/tasks')).status, 401);
  });

  it('creates users with a role, a generated password shown once, and enforces the role', async () => {
    const created = await t.request('POST', '/api/v1/users', { username: 'vera', role: 'viewer' });
    assert.equal(created.status, 201);
    assert.equal(typeof created.body.password, 'string');
    const listed = await t.request('GET', '/api/v1/users');
    assert.equal(JSON.stringify(listed.body).includes(created.body.password), false);
    const { session } = await login(t, 'vera', created.body.password);
    assert.equal((await withSession(t, session!, 'GET', '/api/v1/tasks')).status, 200);
    assert.equal((await withSession(t, session!, 'POST', '/api/v1/tasks', { name: 'v', command: '/bin/true' })).status, 403);
    // A role change ends the user's sessions.
    assert.equal((await t.request('PUT', `/api/v1/users/${created.body.id}`, { role: 'operator' })).status, 200);
    assert.equal((await withSession(t, session!, 'GET', '/api/v1/tasks')).status, 401);
  });

  it('rejects weak passwords and taken names with errors that name the field', async () => {
    const weak = await t.request('POST', '/api/v1/users', { username: 'weak', password: 'short', role: 'viewer' });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.error.details.field, 'password');
    const taken = await t.request('POST', '/api/v1/users', { username: 'admin', role: 'viewer' });
    assert.equal(taken.status, 409);
    const badRole = await t.request('POST', '/api/v1/users', { username: 'x', role: 'root' });
    assert.equal(badRole.status, 400);
  });

  it('lets a user change their own password, and a disabled user cannot sign in', async () => {
    const created = await t.request('POST', '/api/v1/users', { username: 'otto', password: 'first-password-1', role: 'operator' });
    const { session } = await login(t, 'otto', 'first-password-1');
    const wrong = await withSession(t, session!, 'PUT', '/api/v1/auth/password', { current_password: 'nope-nope-nope', new_password: 'second-password-2' });
    assert.equal(wrong.status, 403);
    const changed = await withSession(t, session!, 'PUT', '/api/v1/auth/password', { current_password: 'first-password-1', new_password: 'second-password-2' });
    assert.equal(changed.status, 204);
    assert.equal((await login(t, 'otto', 'first-password-1')).status, 401);
    assert.equal((await login(t, 'otto', 'second-password-2')).status, 200);
    await t.request('PUT', `/api/v1/users/${created.body.id}`, { disabled: true });
    assert.equal((await login(t, 'otto', 'second-password-2')).status, 401);
  });

  it('keeps at least one active admin', async () => {
    const users = await t.request('GET', '/api/v1/users');
    const admin = users.body.items.find((user: { username: string }) => user.username === 'admin');
    const demote = await t.request('PUT', `/api/v1/users/${admin.id}`, { role: 'viewer' });
    assert.equal(demote.status, 409);
    assert.equal((await t.request('DELETE', `/api/v1/users/${admin.id}`)).status, 409);
  });
});

describe('login rate limit', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false, env: { CRONFLEET_LOGIN_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  after(() => t.close());

  it('refuses further attempts for a user name with 429 once the limit is reached', async () => {
    const statuses = [];
    for (let attempt = 0; attempt < 5; attempt++) statuses.push((await login(t, 'admin', 'guess-guess-guess')).status);
    assert.deepEqual(statuses, [401, 401, 401, 429, 429]);
    const limited = await login(t, 'admin', t.adminPassword);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'rate_limited');
  });
});
