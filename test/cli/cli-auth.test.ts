// Where the CLI finds its server and token: flags, environment, or the server's data dir.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { hasStackTrace, runCli, type CliResult } from './run-cli.ts';

describe('cronfleet server and token discovery', { concurrency: 3 }, () => {
  let t: TestServer;
  let cwd: string;
  const listsTheTask = (result: CliResult) => {
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\skeyed\s/);
  };

  before(async () => {
    t = await startTestServer({ executor: false });
    cwd = mkdtempSync(join(tmpdir(), 'cronfleet-cli-'));
    assert.equal((await t.request('POST', '/api/v1/tasks', { name: 'keyed', command: '/bin/true' })).status, 201);
  });
  after(async () => {
    await t.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('takes the token from --token', async () => {
    listsTheTask(await runCli(['task', 'ls', '--server', t.url, '--token', t.token], { cwd }));
  });

  it('takes the token from CRONFLEET_ADMIN_TOKEN', async () => {
    listsTheTask(await runCli(['task', 'ls', '--server', t.url], { cwd, env: { CRONFLEET_ADMIN_TOKEN: t.token } }));
  });

  it("reads the admin token from the server's --data-dir", async () => {
    listsTheTask(await runCli(['task', 'ls', '--server', t.url, '--data-dir', t.dataDir], { cwd }));
  });

  it('takes the server from CRONFLEET_SERVER', async () => {
    listsTheTask(await runCli(['task', 'ls'], { cwd, env: { CRONFLEET_SERVER: t.url, CRONFLEET_ADMIN_TOKEN: t.token } }));
  });

  it('prefers --token over CRONFLEET_ADMIN_TOKEN', async () => {
    listsTheTask(await runCli(['task', 'ls', '--server', t.url, '--token', t.token], { cwd, env: { CRONFLEET_ADMIN_TOKEN: 'stale' } }));
  });

  it('exits 1 with the 401 message when it finds no token, without a stack trace', async () => {
    const result = await runCli(['task', 'ls', '--server', t.url], { cwd });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /missing credentials.*\(unauthorized, HTTP 401\)/);
    assert.ok(!hasStackTrace(result.stderr), result.stderr);
  });

  it('exits 1 with the 401 message for a wrong token', async () => {
    const result = await runCli(['execution', 'ls', '--server', t.url, '--token', 'cf_wrong'], { cwd });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /invalid, expired or revoked token \(unauthorized, HTTP 401\)/);
  });
});
