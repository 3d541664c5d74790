// --run-as: command and script processes run as another user. Only root can switch
// users, so an executor that is not root refuses to start with a clear error.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { resolveExecutorPolicy } from '../../src/executor/policy.ts';
import { CLI } from '../e2e/process.ts';
import { AgentHarness, commandTask, runTask } from './agent-harness.ts';

const isRoot = process.getuid?.() === 0;
const NOBODY_UID = 65534;

/** Runs `cronfleet executor` (optionally as another uid) until it exits. */
function runExecutorCli(args: string[], uid?: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(CLI, ['executor', '--server', 'http://127.0.0.1:9', '--token', 'unused', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: '/tmp',
      ...(uid !== undefined ? { uid, gid: uid } : {}),
    });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('run as another user', () => {
  it('refuses to start when the executor is not root and --run-as names another user', async () => {
    // As root, the refusal is shown by an executor started as nobody.
    const { code, output } = isRoot ? await runExecutorCli(['--run-as', 'root'], NOBODY_UID) : await runExecutorCli(['--run-as', 'root']);
    assert.equal(code, 2);
    assert.match(output, /cronfleet: --run-as: cannot run processes as 'root' \(uid 0\): this executor runs as uid \d+, and only root can switch users/);
  });

  it('refuses a user that does not exist', async () => {
    await assert.rejects(resolveExecutorPolicy({ runAs: 'cronfleet-no-such-user' }), { code: 'invalid_config', message: "--run-as: no user 'cronfleet-no-such-user' on this machine" });
  });

  it('accepts its own user when not root', { skip: isRoot && 'runs as root here' }, async () => {
    const policy = await resolveExecutorPolicy({ runAs: String(process.getuid?.()) });
    assert.equal(policy.runAs?.uid, process.getuid?.());
  });
});

describe('run as nobody (as root)', { skip: !isRoot && 'needs root' }, () => {
  let harness: AgentHarness;
  before(async () => {
    harness = new AgentHarness({ policy: await resolveExecutorPolicy({ runAs: 'nobody' }) });
  });
  after(() => harness.close());

  it('runs a command as the user, with their HOME and USER', async () => {
    const task = commandTask({ command: '/bin/sh', args: ['-c', 'echo "$(id -u) $(id -g) $(id -G) $USER $HOME"'], cwd: '/tmp' });
    assert.equal((await harness.run(task)).data.status, 'success');
    assert.equal(harness.output(task.id, 'stdout'), `${NOBODY_UID} ${NOBODY_UID} ${NOBODY_UID} nobody /nonexistent\n`, "root's supplementary groups are dropped too");
  });

  it('runs a script as the user, who can read its temp file', async () => {
    const task = runTask('script', { interpreter: 'sh', body: 'id -u; cat "$0" >/dev/null && echo readable' });
    assert.equal((await harness.run(task)).data.status, 'success');
    assert.equal(harness.output(task.id, 'stdout'), `${NOBODY_UID}\nreadable\n`);
  });
});
