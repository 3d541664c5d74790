// The executor inside `cronfleet up` obeys the same safety settings as `cronfleet
// executor`, configured by the local_executor.* keys.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLocalExecutor, type LocalExecutor } from '../../src/cli/local-executor.ts';
import { loadConfig } from '../../src/config/config.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTask, eventually, executions } from '../scheduler/helpers.ts';

describe('local executor safety', () => {
  let t: TestServer;
  let local: LocalExecutor;
  const notes: string[] = [];
  before(async () => {
    t = await startTestServer({ executor: false });
    const config = loadConfig({
      env: {
        CRONFLEET_LOCAL_EXECUTOR_ALLOW_COMMANDS: '/usr/bin/echo,/bin/echo',
        CRONFLEET_LOCAL_EXECUTOR_MAX_TIMEOUT_SECONDS: '120',
        CRONFLEET_LOCAL_EXECUTOR_MAX_OUTPUT_BYTES: '4096',
      },
      file: undefined,
    });
    local = await startLocalExecutor(t.server.gateway, { name: 'local', capacity: 2, labels: {}, version: 'test', safety: config.localExecutor, log: (note) => notes.push(note) });
  });
  after(async () => {
    await local.stop();
    await t.close();
  });

  it('reads the local_executor.* keys', () => {
    const config = loadConfig({ env: { CRONFLEET_LOCAL_EXECUTOR_RUN_AS: 'nobody', CRONFLEET_LOCAL_EXECUTOR_MAX_MEMORY_MB: '256', CRONFLEET_LOCAL_EXECUTOR_ALLOW_LINK_LOCAL: 'true' }, file: undefined });
    assert.equal(config.localExecutor.runAs, 'nobody');
    assert.equal(config.localExecutor.maxMemoryMb, 256);
    assert.equal(config.localExecutor.allowLinkLocal, true);
    assert.deepEqual(config.localExecutor.allowCommands, []);
    assert.equal(config.localExecutor.maxTimeoutSeconds, 0);
  });

  it('names the config key of a bad setting', async () => {
    const config = loadConfig({ env: { CRONFLEET_LOCAL_EXECUTOR_ALLOW_COMMANDS: 'echo' }, file: undefined });
    await assert.rejects(startLocalExecutor(t.server.gateway, { name: 'bad', capacity: 1, labels: {}, version: 'test', safety: config.localExecutor }), {
      message: "local_executor.allow_commands: 'echo' must be an absolute path or glob, e.g. /usr/bin/* or /opt/jobs/**",
    });
  });

  it('refuses a command outside local_executor.allow_commands and runs one inside it', async () => {
    assert.match(notes.join('\n'), /local executor: command allowlist: \/usr\/bin\/echo, \/bin\/echo/);
    const refused = await createTask(t, { name: 'not-allowed', type: 'command', command: '/usr/bin/touch', args: ['/tmp/cronfleet-never'], cron_expression: null });
    const allowed = await createTask(t, { name: 'allowed', type: 'command', command: '/bin/echo', args: ['hi'], cron_expression: null, timeout_seconds: 600 });
    for (const task of [refused, allowed]) assert.equal((await t.request('POST', `/api/v1/tasks/${task.id}/trigger`, {})).status, 202);
    const [refusedRun] = await eventually(async () => {
      const runs = await executions(t, refused.id);
      return runs[0]?.status === 'failed' ? runs : undefined;
    }, 'the refused run to fail');
    assert.match(refusedRun!.error, /command '\/usr\/bin\/touch' is not in this executor's allowlist/);
    const [allowedRun] = await eventually(async () => {
      const runs = await executions(t, allowed.id);
      return runs[0]?.status === 'success' ? runs : undefined;
    }, 'the allowed run to succeed');
    const logs = await t.request('GET', `/api/v1/executions/${allowedRun!.id}/logs`);
    assert.match(JSON.stringify(logs.body), /timeout 600s clamped to this executor's ceiling of 120s/);
  });
});
