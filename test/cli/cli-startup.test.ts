// Start-up of the long-running commands (issue 18): the agent reads its settings from a
// config file and CRONFLEET_* variables as the server does (flags > environment > file >
// defaults), and `cronfleet up` shows the one-time admin token and password only once the
// port and the database work.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readExecutorSettings } from '../../src/config/executor-settings.ts';
import { killedAtEnd } from '../helpers/children.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { cliPath, runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'cronfleet-startup-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A long-running CLI command with a clean environment plus `env`; stop() ends it. */
function start(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('CRONFLEET_') && !key.startsWith('NODE_TEST') && key !== 'NODE_OPTIONS') env[key] = value;
  const child = killedAtEnd(spawn(cliPath, args, { cwd: options.cwd ?? dir, env: { ...env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    stdout: () => stdout,
    output: () => `stdout: ${stdout}\nstderr: ${stderr}`,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('agent settings: flags > CRONFLEET_* > config file > defaults', () => {
  it('has defaults without a file, variables or flags', async () => {
    const settings = await readExecutorSettings({}, {});
    assert.equal(settings.file, null);
    assert.deepEqual(settings.servers, { value: ['http://localhost:8080'], source: null });
    assert.deepEqual(settings.capacity, { value: 4, source: null });
    assert.equal(settings.token.value, null);
    assert.deepEqual(settings.labels.value, {});
    assert.equal(settings.logFormat.value, 'auto');
    assert.equal(settings.allowLinkLocal.value, false);
    assert.equal(settings.maxTimeout.value, null);
    assert.equal(settings.dataDir.value, null);
  });

  it('reads every key from the file, typed as YAML writes them', async () => {
    const config = file(
      'every-key.yaml',
      [
        'server: [http://a:8080, http://b:8080]',
        'token: cfe_from_file',
        'name: web-1',
        'instance_id: web-1-a',
        'labels: { zone: a, gpu: true }',
        'capacity: 12',
        'ca: /etc/cronfleet/ca.pem',
        'runners: [./podman-runner.js]',
        'allow_commands: [/usr/bin/*, /opt/jobs/**]',
        'run_as: jobs',
        'max_timeout: 3600',
        'max_memory: 512',
        'max_output: 65536',
        'data_dir: /var/lib/cronfleet-executor',
        'allow_link_local: true',
        'log_format: json',
      ].join('\n'),
    );
    const settings = await readExecutorSettings({ config }, {});
    assert.equal(settings.file, config);
    assert.deepEqual(settings.servers, { value: ['http://a:8080', 'http://b:8080'], source: `${config}: server` });
    assert.equal(settings.token.value, 'cfe_from_file');
    assert.equal(settings.name.value, 'web-1');
    assert.equal(settings.instanceId.value, 'web-1-a');
    assert.deepEqual(settings.labels.value, { zone: 'a', gpu: 'true' });
    assert.equal(settings.capacity.value, 12);
    assert.equal(settings.ca.value, '/etc/cronfleet/ca.pem');
    assert.deepEqual(settings.runners.value, ['./podman-runner.js']);
    assert.deepEqual(settings.allowCommands.value, ['/usr/bin/*', '/opt/jobs/**']);
    assert.equal(settings.runAs.value, 'jobs');
    assert.equal(settings.maxTimeout.value, 3600);
    assert.equal(settings.maxMemory.value, 512);
    assert.equal(settings.maxOutput.value, 65536);
    assert.equal(settings.dataDir.value, '/var/lib/cronfleet-executor');
    assert.equal(settings.allowLinkLocal.value, true);
    assert.equal(settings.logFormat.value, 'json');
  });

  it('takes a variable over the file and a flag over both, key by key', async () => {
    const config = file('precedence.yaml', 'capacity: 3\nname: from-file\nlabels: { zone: a }\nallow_link_local: true\nserver: http://file:8080\n');
    const env = { CRONFLEET_CAPACITY: '5', CRONFLEET_EXECUTOR_NAME: 'from-env', CRONFLEET_ALLOW_LINK_LOCAL: 'false', CRONFLEET_SERVER: 'http://env-1:8080,http://env-2:8080' };
    const fromEnv = await readExecutorSettings({ config }, env);
    assert.deepEqual(fromEnv.capacity, { value: 5, source: 'CRONFLEET_CAPACITY' });
    assert.equal(fromEnv.name.value, 'from-env');
    assert.equal(fromEnv.allowLinkLocal.value, false);
    assert.deepEqual(fromEnv.servers.value, ['http://env-1:8080', 'http://env-2:8080']);
    assert.deepEqual(fromEnv.labels, { value: { zone: 'a' }, source: `${config}: labels` });
    const fromFlags = await readExecutorSettings({ config, capacity: '6', name: 'from-flag', labels: 'zone=b', allowCommand: ['/bin/sh'] }, { ...env, CRONFLEET_ALLOW_COMMANDS: '/usr/bin/env' });
    assert.deepEqual(fromFlags.capacity, { value: 6, source: '--capacity' });
    assert.equal(fromFlags.name.value, 'from-flag');
    assert.deepEqual(fromFlags.labels.value, { zone: 'b' });
    assert.deepEqual(fromFlags.allowCommands, { value: ['/bin/sh'], source: '--allow-command' });
    // An empty variable is unset (an EnvironmentFile line `CRONFLEET_CAPACITY=`), not a bad value.
    assert.equal((await readExecutorSettings({ config }, { CRONFLEET_CAPACITY: '' })).capacity.value, 3);
  });

  it('names a bad value as the user wrote it: the flag, the variable or the file and key', async () => {
    const config = file('bad.yaml', 'capacity: many\n');
    await assert.rejects(readExecutorSettings({ config }, {}), { message: `${config}: capacity must be an integer from 1 to 10000, got "many"` });
    await assert.rejects(readExecutorSettings({}, { CRONFLEET_CAPACITY: '0' }), { message: 'CRONFLEET_CAPACITY must be an integer from 1 to 10000, got "0"' });
    await assert.rejects(readExecutorSettings({ capacity: '1.5' }, {}), { message: '--capacity must be an integer from 1 to 10000, got "1.5"' });
    await assert.rejects(readExecutorSettings({}, { CRONFLEET_SERVER: 'http//scheduler' }), /CRONFLEET_SERVER: 'http\/\/scheduler' is not a URL such as http:\/\/host:8080/);
    await assert.rejects(readExecutorSettings({}, { CRONFLEET_LABELS: 'zone' }), /CRONFLEET_LABELS: labels look like zone=a,gpu=true; 'zone' has no '='/);
    await assert.rejects(readExecutorSettings({}, { CRONFLEET_LOG_FORMAT: 'xml' }), { message: "CRONFLEET_LOG_FORMAT must be one of auto, json, pretty, got 'xml'" });
    await assert.rejects(readExecutorSettings({ config: file('bool.yaml', 'allow_link_local: yes please\n') }, {}), /bool\.yaml: allow_link_local must be true or false/);
  });

  it('refuses an unknown key, a file that is not a mapping, bad YAML and a missing file', async () => {
    await assert.rejects(readExecutorSettings({ config: file('unknown.yaml', 'capacity: 2\nport: 8080\n') }, {}), /unknown key 'port' in .*unknown\.yaml; an executor's keys are: server, token, name/);
    await assert.rejects(readExecutorSettings({ config: file('list.yaml', '- capacity: 2\n') }, {}), /list\.yaml must be a YAML mapping of keys to values/);
    await assert.rejects(readExecutorSettings({ config: file('broken.yaml', 'capacity: [2\n') }, {}), /broken\.yaml is not valid YAML/);
    await assert.rejects(readExecutorSettings({ config: join(dir, 'absent.yaml') }, {}), /cannot read config file .*absent\.yaml/);
  });
});

describe('cronfleet executor with a config file and CRONFLEET_* variables (real processes)', () => {
  let t: TestServer;
  let token: string;
  const executors = async () => (await t.request('GET', '/api/v1/executors')).body.items as Array<Record<string, any>>;
  before(async () => {
    t = await startTestServer({ executor: false });
    const created = await t.request('POST', '/api/v1/executor-tokens', { name: 'startup' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    token = created.body.token;
  });
  after(() => t.close());

  it('connects with the server and token from --config, the name from the environment and the capacity from a flag', async () => {
    const config = file('agent.yaml', `server: ${t.url}\ntoken: ${token}\nname: from-file\nlabels:\n  zone: a\ncapacity: 3\ndata_dir: ${join(dir, 'agent-data')}\n`);
    const agent = start(['executor', '--config', config, '--capacity', '2'], { env: { CRONFLEET_EXECUTOR_NAME: 'from-env' } });
    try {
      const online = await eventually(async () => (await executors()).find((executor) => executor.name === 'from-env' && executor.status === 'online'), `the agent online\n${agent.output()}`);
      assert.deepEqual(online.labels, { zone: 'a' });
      assert.equal(online.capacity, 2);
    } finally {
      assert.equal(await agent.stop(), 0, agent.output());
    }
  });

  it('reads ./cronfleet-executor.yaml from its working directory when no --config is given', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(cwd, 'cronfleet-executor.yaml'), `server: ${t.url}\ntoken: ${token}\nname: default-file\ncapacity: 5\n`);
    const agent = start(['executor'], { cwd });
    try {
      const online = await eventually(async () => (await executors()).find((executor) => executor.name === 'default-file' && executor.status === 'online'), `the agent online\n${agent.output()}`);
      assert.equal(online.capacity, 5);
    } finally {
      await agent.stop();
    }
  });

  it('exits 2 naming the variable of a bad value, and asks for a token none of the sources gives', async () => {
    const bad = await runCli(['executor', '--server', t.url, '--token', token], { cwd: dir, env: { CRONFLEET_CAPACITY: 'many' } });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /CRONFLEET_CAPACITY must be an integer from 1 to 10000, got "many"/);
    const tokenless = await runCli(['executor', '--server', t.url], { cwd: dir });
    assert.equal(tokenless.code, 2, tokenless.stderr);
    assert.match(tokenless.stderr, /an executor token is required \(--token, CRONFLEET_EXECUTOR_TOKEN or token: in the config file\)/);
  });
});

describe('first start: the one-time admin token and password only once the port and the database work', () => {
  let blocker: NetServer;
  before(async () => {
    blocker = createServer();
    await new Promise<void>((listening) => blocker.listen(0, '127.0.0.1', () => listening()));
  });
  after(() => new Promise<void>((closed) => blocker.close(() => closed())));

  it('a port already taken: a clear error and no secret; the next start on a free port shows new ones that work', async () => {
    const dataDir = join(dir, 'first-start');
    const port = (blocker.address() as { port: number }).port;
    const clash = await runCli(['up', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn'], { cwd: dir });
    assert.equal(clash.code, 1, `${clash.stdout}\n${clash.stderr}`);
    assert.match(clash.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    assert.doesNotMatch(clash.stdout + clash.stderr, /password|admin token|cf_[A-Za-z0-9_-]{20}/i);

    const up = start(['up', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn']);
    try {
      const url = await eventually(async () => /listening on (http:\/\/\S+)/.exec(up.stdout())?.[1], `up to listen\n${up.output()}`, 60_000);
      const password = /Its password is shown only this once:\s+(\S+)/.exec(up.stdout())?.[1];
      const adminToken = /admin token was created\. It is shown only this once:\s+(\S+)/.exec(up.stdout())?.[1];
      assert.ok(password && adminToken, up.output());
      assert.ok(up.stdout().indexOf(password) < up.stdout().indexOf('listening on'), 'shown before the line that says it listens, after it does');
      const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password }) });
      assert.equal(login.status, 200, 'the password shown is the admin’s');
      const me = await fetch(`${url}/api/v1/executors`, { headers: { authorization: `Bearer ${adminToken}` } });
      assert.equal(me.status, 200, 'the token shown is the admin token');
    } finally {
      assert.equal(await up.stop(), 0, up.output());
    }
  });
});
