// The command allowlist (--allow-command): command and script tasks whose program does
// not match are failed by the executor with a clear error and never spawned.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveExecutorPolicy, type ExecutorPolicy } from '../../src/executor/policy.ts';
import { AgentHarness, commandTask, runTask } from './agent-harness.ts';

describe('command allowlist', () => {
  let harness: AgentHarness;
  let policy: ExecutorPolicy;
  let directory: string;
  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'cronfleet-allowlist-'));
    policy = await resolveExecutorPolicy({ allowCommands: ['/usr/bin/echo', '/bin/echo', '/usr/bin/env'] });
    harness = new AgentHarness({ policy });
  });
  after(async () => {
    await harness.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('refuses a command outside the allowlist without starting it', async () => {
    const marker = join(directory, 'created');
    const task = commandTask({ command: '/usr/bin/touch', args: [marker] });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.equal(update.data.error, "command '/usr/bin/touch' is not in this executor's allowlist (/usr/bin/echo, /bin/echo, /usr/bin/env)");
    assert.match(harness.output(task.id, 'system'), /not in this executor's allowlist/);
    assert.equal(existsSync(marker), false, 'the refused command never ran');
  });

  it('runs an allowed command given by its bare name, found through PATH', async () => {
    const task = commandTask({ command: 'echo', args: ['allowed'] });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    assert.equal(harness.output(task.id, 'stdout'), 'allowed\n');
  });

  it('checks the path a relative or dotted command resolves to', async () => {
    const task = commandTask({ command: '/usr/bin/../bin/rm', args: ['-rf', join(directory, 'nothing')] });
    const update = await harness.run(task);
    assert.equal(update.data.error, "command '/usr/bin/rm' is not in this executor's allowlist (/usr/bin/echo, /bin/echo, /usr/bin/env)");
  });

  it('refuses a command that PATH does not hold', async () => {
    const update = await harness.run(commandTask({ command: 'cronfleet-no-such-program' }));
    assert.equal(update.data.status, 'failed');
    assert.equal(update.data.error, "command 'cronfleet-no-such-program' was not found on PATH, so this executor's allowlist cannot admit it");
  });

  it('refuses a shell command unless /bin/sh itself is allowed, since a shell runs anything', async () => {
    const task = commandTask({ command: 'echo from a shell', shell: true });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.match(update.data.error ?? '', /^command '\/bin\/sh' is not in this executor's allowlist/);
  });

  it('refuses a script whose interpreter is not allowed', async () => {
    const task = runTask('script', { interpreter: 'sh', body: 'echo never' });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.match(update.data.error ?? '', /^command '\/(usr\/)?bin\/sh' is not in this executor's allowlist/);
    assert.doesNotMatch(harness.output(task.id), /never/);
  });
});

describe('command allowlist with the shell allowed', () => {
  let harness: AgentHarness;
  before(async () => {
    harness = new AgentHarness({ policy: await resolveExecutorPolicy({ allowCommands: ['/bin/sh', '/usr/bin/sh'] }) });
  });
  after(() => harness.close());

  it('runs shell commands and scripts for sh', async () => {
    const shell = commandTask({ command: 'echo "shell $1"', args: ['ok'], shell: true });
    assert.equal((await harness.run(shell)).data.status, 'success');
    assert.equal(harness.output(shell.id, 'stdout'), 'shell ok\n');
    const script = runTask('script', { interpreter: 'sh', body: 'echo script ok' });
    assert.equal((await harness.run(script)).data.status, 'success');
    assert.equal(harness.output(script.id, 'stdout'), 'script ok\n');
  });
});

describe('allowlist settings', () => {
  it('refuses a pattern that is not an absolute path, naming the setting', async () => {
    await assert.rejects(resolveExecutorPolicy({ allowCommands: ['echo'] }), {
      code: 'invalid_config',
      message: "--allow-command: 'echo' must be an absolute path or glob, e.g. /usr/bin/* or /opt/jobs/**",
    });
  });

  it('matches globs: * within one directory, ** across directories', async () => {
    const oneLevel = new AgentHarness({ policy: await resolveExecutorPolicy({ allowCommands: ['/usr/*'] }) });
    const anyDepth = new AgentHarness({ policy: await resolveExecutorPolicy({ allowCommands: ['/usr/**'] }) });
    try {
      assert.equal((await oneLevel.run(commandTask({ command: '/usr/bin/echo', args: ['x'] }))).data.status, 'failed');
      assert.equal((await anyDepth.run(commandTask({ command: '/usr/bin/echo', args: ['x'] }))).data.status, 'success');
    } finally {
      await oneLevel.close();
      await anyDepth.close();
    }
  });
});
