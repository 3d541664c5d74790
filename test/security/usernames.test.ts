// A user name is one identity however it is typed: trimmed, composed (NFC) and
// lower-cased once, at creation, rename and sign-in, and the sign-in rate limit is
// keyed on that one value. On MariaDB the collation ignores trailing spaces and case, so
// "alice " used to count apart from "alice" and still sign in as alice.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normalizeUsername, usernameProblem } from '../../src/domain/usernames.ts';
import { up as normaliseStoredNames } from '../../src/store/migrations/007-usernames.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { runCli } from '../cli/run-cli.ts';
import { rawDatabase } from '../../src/store/raw-database.ts';

async function login(t: TestServer, username: string, password: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${t.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  return { status: response.status, body: await response.json() };
}

describe('normalizeUsername', () => {
  it('trims, composes and lower-cases, so every spelling of a name is one value', () => {
    for (const spelling of ['alice', 'alice ', ' ALICE', 'Alice\t', '\u00a0alice\u3000']) assert.equal(normalizeUsername(spelling), 'alice');
    assert.equal(normalizeUsername('Zoe\u0308'), 'zo\u00eb');
    assert.equal(normalizeUsername('ZO\u00cb'), 'zo\u00eb');
  });

  it('names what is wrong with an unusable name', () => {
    assert.match(String(usernameProblem(normalizeUsername('   ')) ?? ''), /empty/);
    for (const name of ['a\u0007b', 'a\u200bb', 'a\u202eb', 'a\u0085b']) assert.match(String(usernameProblem(normalizeUsername(name)) ?? ''), /control/, JSON.stringify(name));
    assert.equal(usernameProblem('alice'), null);
    assert.equal(usernameProblem('zo\u00eb'), null);
  });
});

describe('user names over the API', () => {
  let t: TestServer;
  const password = 'correct-horse-battery';
  before(async () => {
    t = await startTestServer({ executor: false, env: { CRONFLEET_LOGIN_RATE_LIMIT_PER_MINUTE: '4' } });
  });
  after(() => t.close());

  it('counts "alice ", "ALICE", a decomposed spelling and "alice" against one sign-in limit', async () => {
    assert.equal((await t.request('POST', '/api/v1/users', { username: 'alice', password, role: 'viewer' })).status, 201);
    const statuses = [];
    for (const spelling of ['alice ', 'ALICE', 'alice'.normalize('NFD'), ' Alice\t']) statuses.push((await login(t, spelling, 'wrong-password')).status);
    assert.deepEqual(statuses, [401, 401, 401, 401]);
    // The budget is spent for every spelling, the plain one with the right password too.
    for (const spelling of ['alice', 'alice ', 'ALICE']) assert.equal((await login(t, spelling, password)).status, 429, JSON.stringify(spelling));
  });

  it('signs in every spelling of a name as the same user', async () => {
    const created = await t.request('POST', '/api/v1/users', { username: 'Zo\u00eb', password, role: 'viewer' });
    assert.equal(created.status, 201);
    assert.equal(created.body.username, 'zo\u00eb');
    for (const spelling of ['zo\u00eb ', 'ZO\u00cb', 'zoe\u0308', ' Zoe\u0308']) {
      const signedIn = await login(t, spelling, password);
      assert.equal(signedIn.status, 200, JSON.stringify(spelling));
      assert.equal(signedIn.body.user.id, created.body.id);
    }
  });

  it('never signs in a name that only the database collation calls equal', async () => {
    const created = await t.request('POST', '/api/v1/users', { username: 'marta', password, role: 'viewer' });
    assert.equal(created.status, 201);
    // MariaDB's default collations ignore accents as well as case and trailing spaces.
    assert.equal((await login(t, 'm\u00e1rta', password)).status, 401);
    assert.equal((await login(t, 'marta', password)).status, 200);
  });

  it('stores a new user under the normalised name and refuses another spelling of a taken one', async () => {
    const created = await t.request('POST', '/api/v1/users', { username: '  Carol ', password, role: 'viewer' });
    assert.equal(created.status, 201);
    assert.equal(created.body.username, 'carol');
    for (const spelling of ['carol', 'CAROL', 'carol ']) {
      const taken = await t.request('POST', '/api/v1/users', { username: spelling, password, role: 'viewer' });
      assert.equal(taken.status, 409, JSON.stringify(spelling));
      assert.equal(taken.body.error.details.field, 'username');
    }
  });

  it('refuses a name that is empty after trimming or holds control characters, naming the field', async () => {
    for (const username of ['   ', '\t', 'bad\u0007name', 'zero\u200bwidth', 'line\nbreak']) {
      const refused = await t.request('POST', '/api/v1/users', { username, password, role: 'viewer' });
      assert.equal(refused.status, 400, JSON.stringify(username));
      assert.equal(refused.body.error.details.field, 'username');
    }
    const signIn = await login(t, '   ', password);
    assert.equal(signIn.status, 400);
    assert.equal(signIn.body.error.details.field, 'username');
  });

  it('renames a user to the normalised name, and refuses a taken one', async () => {
    const created = await t.request('POST', '/api/v1/users', { username: 'dave', password, role: 'viewer' });
    const renamed = await t.request('PUT', `/api/v1/users/${created.body.id}`, { username: ' David ' });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.username, 'david');
    assert.equal((await login(t, 'DAVID', password)).status, 200);
    const taken = await t.request('PUT', `/api/v1/users/${created.body.id}`, { username: 'Carol' });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.details.field, 'username');
    const empty = await t.request('PUT', `/api/v1/users/${created.body.id}`, { username: ' ' });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error.details.field, 'username');
  });
});

describe('user names from the CLI', () => {
  let t: TestServer;
  const cli = (...args: string[]) => runCli([...args, '--server', t.url, '--token', t.token], { cwd: process.cwd() });
  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  it('finds a user by any spelling of the name and renames to the normalised name', async () => {
    assert.equal((await cli('user', 'create', 'Ingrid ', '--role', 'viewer')).code, 0);
    const renamed = await cli('user', 'rename', 'INGRID', ' Ingrid.B ');
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.match(renamed.stdout, /is now ingrid\.b/);
    assert.equal((await cli('user', 'disable', 'ingrid.B')).code, 0);
    const users = await t.request('GET', '/api/v1/users');
    const ingrid = users.body.items.find((user: { username: string }) => user.username === 'ingrid.b');
    assert.equal(ingrid?.disabled, true);
  });
});

describe('migration 007: stored names are normalised', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  it('normalises the names stored before, and leaves both of two names that would collide', async () => {
    const { store } = t.server;
    const now = Date.now();
    const hash = 'x';
    // Written straight to the store, as older versions did (no normalising).
    assert.ok(await store.users.create({ id: 'u-erin', username: 'Erin ', passwordHash: hash, role: 'viewer' }, now));
    assert.ok(await store.users.create({ id: 'u-frank-upper', username: 'FRANK', passwordHash: hash, role: 'viewer' }, now));
    // MariaDB's unique index already calls "FRANK" and "frank" one name; SQLite and PostgreSQL hold both.
    const bothFranks = await store.users.create({ id: 'u-frank-lower', username: 'frank', passwordHash: hash, role: 'viewer' }, now);
    const warnings: string[] = [];
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code === 'CRONFLEET_USERNAME_NOT_NORMALISED') warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    try {
      const { db, dialect } = rawDatabase(store);
      await normaliseStoredNames(db as never, dialect.types);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    const names = new Map((await store.users.list()).map((user) => [user.id, user.username]));
    assert.equal(names.get('u-erin'), 'erin');
    if (bothFranks) {
      assert.equal(names.get('u-frank-upper'), 'FRANK');
      assert.equal(names.get('u-frank-lower'), 'frank');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /FRANK/);
    } else {
      assert.equal(names.get('u-frank-upper'), 'frank');
      assert.deepEqual(warnings, []);
    }
    assert.equal(names.size, bothFranks ? 4 : 3);
  });
});
