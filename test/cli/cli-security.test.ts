// `cronfleet user`, `token` and `audit` against a real server, as real child processes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { runCli, type CliResult } from './run-cli.ts';

describe('cronfleet user, token and audit', () => {
  let t: TestServer;
  const cli = (...args: string[]) => runCli([...args, '--server', t.url, '--token', t.token], { cwd: process.cwd() });
  const ok = (result: CliResult) => {
    assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    return result.stdout;
  };
  const login = (username: string, password: string) => fetch(`${t.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });

  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  it('creates an admin user and prints only the one-time password', async () => {
    const password = ok(await cli('user', 'create', 'alice', '--role', 'admin')).trim();
    assert.match(password, /^[A-Za-z0-9_-]{20,}$/);
    assert.equal((await login('alice', password)).status, 200);
    const listed = ok(await cli('user', 'ls'));
    assert.match(listed, /alice\s+admin/);
  });

  it('changes a role and a password, and disables a user', async () => {
    ok(await cli('user', 'create', '--username', 'bob', '--role', 'viewer'));
    ok(await cli('user', 'set-role', 'bob', '--role', 'operator'));
    const password = ok(await cli('user', 'set-password', 'bob')).trim();
    assert.equal((await login('bob', password)).status, 200);
    ok(await cli('user', 'disable', 'bob'));
    assert.equal((await login('bob', password)).status, 401);
    ok(await cli('user', 'enable', 'bob'));
    assert.equal((await login('bob', password)).status, 200);
  });

  it('refuses a bad role with a usage error naming the choices', async () => {
    const result = await cli('user', 'create', 'carol', '--role', 'root');
    assert.equal(result.code, 2); // usage (README "The CLI in scripts")
    assert.match(result.stderr, /Allowed choices are admin, operator, viewer/);
  });

  it('creates a token that works, lists it without the secret and revokes it', async () => {
    const token = ok(await cli('token', 'create', '--name', 'ci', '--role', 'operator')).trim();
    assert.match(token, /^cft_/);
    assert.equal((await t.request('GET', '/api/v1/tasks', undefined, token)).status, 200);
    const listed = ok(await cli('token', 'ls', '--json'));
    assert.equal(listed.includes(token), false);
    const id = JSON.parse(listed).items.find((item: { name: string }) => item.name === 'ci').id;
    ok(await cli('token', 'revoke', id));
    assert.equal((await t.request('GET', '/api/v1/tasks', undefined, token)).status, 401);
  });

  it('shows the audit log, filtered', async () => {
    const text = ok(await cli('audit', '--action', 'user.create'));
    assert.match(text, /admin-token\s+user\.create\s+user/);
    const json = JSON.parse(ok(await cli('audit', '--resource-type', 'api_token', '--json')));
    assert.deepEqual(json.items.map((item: { action: string }) => item.action).sort(), ['api_token.create', 'api_token.revoke']);
  });
});
