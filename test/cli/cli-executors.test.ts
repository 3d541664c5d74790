// `cronfleet executor rm` against a real server, as a real child process; and the
// `cronfleet executor` agent command it sits under still runs an agent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { runCli, type CliResult } from './run-cli.ts';

describe('cronfleet executor rm', () => {
  let t: TestServer;
  const cli = (...args: string[]) => runCli([...args, '--server', t.url, '--token', t.token], { cwd: process.cwd() });
  const ok = (result: CliResult) => {
    assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    return result.stdout;
  };
  const ids = async () => ((await t.request('GET', '/api/v1/executors')).body.items as Array<{ id: string }>).map((executor) => executor.id);
  async function register(name: string, instanceId = name, status: 'online' | 'maintenance' | 'offline' = 'maintenance'): Promise<string> {
    const response = await t.request('POST', '/api/v1/executors/register', { name, instance_id: instanceId, base_url: 'http://127.0.0.1:9' });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    if (status !== 'online') await t.request('PUT', `/api/v1/executors/${response.body.id}/status`, { status });
    return response.body.id;
  }

  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  it('removes an executor named by its exact name, or by its id', async () => {
    const byName = await register('cli-rm-name');
    assert.match(ok(await cli('executor', 'rm', 'cli-rm-name')), new RegExp(`removed executor cli-rm-name \\(${byName}\\)`));
    const byId = await register('cli-rm-id', 'cli-rm-id', 'offline');
    ok(await cli('executor', 'rm', byId));
    const left = await ids();
    assert.ok(!left.includes(byName) && !left.includes(byId));
  });

  it('exits 1 with the server’s reason for an online executor, and names an unknown one', async () => {
    const online = await register('cli-rm-online', 'cli-rm-online', 'online');
    const refused = await cli('executor', 'rm', 'cli-rm-online');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cronfleet: executor 'cli-rm-online' is online: set it to maintenance or offline first.*\(invalid_state, HTTP 409\)/);
    assert.ok((await ids()).includes(online));
    const unknown = await cli('executor', 'rm', 'no-such-executor');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no executor with id or name 'no-such-executor'/);
  });

  it('asks for an id when several executors carry the name', async () => {
    const first = await register('cli-rm-twin', 'cli-rm-twin-1');
    const second = await register('cli-rm-twin', 'cli-rm-twin-2');
    const ambiguous = await cli('executor', 'rm', 'cli-rm-twin');
    assert.equal(ambiguous.code, 1);
    assert.match(ambiguous.stderr, /2 executors are named 'cli-rm-twin'; give the id of one/);
    assert.ok(ambiguous.stderr.includes(first) && ambiguous.stderr.includes(second));
    assert.ok((await ids()).includes(first) && (await ids()).includes(second), 'neither was removed');
  });

  it('refuses without credentials that reach the server, and without an executor to name', async () => {
    await register('cli-rm-token');
    const unauthorized = await runCli(['executor', 'rm', 'cli-rm-token', '--server', t.url, '--token', 'cft_wrong'], { cwd: process.cwd() });
    assert.equal(unauthorized.code, 1);
    assert.match(unauthorized.stderr, /HTTP 401/);
    const missing = await cli('executor', 'rm');
    assert.equal(missing.code, 2); // a usage error (README "Exit status")
    assert.match(missing.stderr, /missing required argument 'executor'/);
  });

  it('leaves `cronfleet executor` an agent command: its own flags are still checked', async () => {
    const agent = await runCli(['executor', '--server', t.url, '--token', 'x', '--capacity', 'many'], { cwd: process.cwd() });
    assert.equal(agent.code, 2);
    assert.match(agent.stderr, /--capacity must be an integer/);
    const help = await runCli(['executor', '--help'], { cwd: process.cwd() });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--instance-id/);
    assert.match(help.stdout, /rm \[options\] <executor>|rm <executor>/);
  });
});
