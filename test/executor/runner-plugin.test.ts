// Runner plugins: a module whose default export is a Runner, loaded by
// `cronfleet executor --runner <module>`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { loadRunnerModule } from '../../src/executor/runners/plugin.ts';
import { isCronfleetError } from '../../src/protocol/errors.ts';
import { watchExecutions } from '../api/execution-watch.ts';
import { cliPath, hasStackTrace, runCli } from '../cli/run-cli.ts';
import { killedAtEnd } from '../helpers/children.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { AgentHarness, runTask } from './agent-harness.ts';

/** Relative paths below are relative to this folder, as a user's are to their shell's. */
const here = fileURLToPath(new URL('.', import.meta.url));

function refusedWith(pattern: RegExp) {
  return (error: unknown) => isCronfleetError(error) && error.code === 'invalid_config' && pattern.test(error.message);
}

describe('loading a runner module', () => {
  it('uses the default export of a good module as a runner the agent runs and advertises', async () => {
    const runner = await loadRunnerModule('./fixtures/fake-docker-runner.ts', here);
    assert.equal(runner.type, 'docker');
    const harness = new AgentHarness({ runners: [runner] });
    try {
      assert.deepEqual(harness.agent.hello().runners, ['docker', 'fake-docker']);
      const update = await harness.run(runTask('docker', { image: 'alpine:3.20', command: [], env: {} }, { parameters: { day: 'monday' } }));
      assert.equal(update.data.status, 'success');
      assert.deepEqual(update.data.result, { image: 'alpine:3.20', parameters: { day: 'monday' } });
    } finally {
      await harness.close();
    }
  });

  it('refuses a module whose default export has no run()', async () => {
    await assert.rejects(
      loadRunnerModule('./fixtures/runner-without-run.ts', here),
      refusedWith(/runner module \.\/fixtures\/runner-without-run\.ts: its default export \(type 'command'\) has no run\(context\) function/),
    );
  });

  it('refuses a module without a default export', async () => {
    await assert.rejects(loadRunnerModule('./fixtures/runner-named-export.ts', here), refusedWith(/its default export must be a Runner object, got undefined/));
  });

  it('refuses a module that does not exist, naming it', async () => {
    await assert.rejects(loadRunnerModule('./fixtures/no-such-runner.ts', here), refusedWith(/runner module \.\/fixtures\/no-such-runner\.ts could not be loaded: /));
  });
});

describe('cronfleet executor --runner', { timeout: 60_000 }, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(async () => {
    await t.close();
  });

  it('exits with a clear error, and no stack trace, for a bad runner module', async () => {
    const result = await runCli(['executor', '--server', t.url, '--token', 'unused', '--runner', './fixtures/runner-without-run.ts'], { cwd: here });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^cronfleet: runner module \.\/fixtures\/runner-without-run\.ts: its default export \(type 'command'\) has no run\(context\) function/);
    assert.ok(!hasStackTrace(result.stderr), result.stderr);
  });

  it("advertises a good module's runner to the server, which sends it work", async () => {
    const token = (await t.request('POST', '/api/v1/executor-tokens', { name: 'plugin' })).body.token as string;
    const connected = t.server.events.wait('executor.connected');
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('CRONFLEET_') && !key.startsWith('NODE_TEST') && key !== 'NODE_OPTIONS') env[key] = value;
    }
    const child = killedAtEnd(
      spawn(cliPath, ['executor', '--server', t.url, '--token', token, '--name', 'plugin-executor', '--runner', './fixtures/fake-docker-runner.ts'], {
        cwd: here,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const exited = once(child, 'exit');
    const watch = watchExecutions(t);
    try {
      await connected;
      const executors = (await t.request('GET', '/api/v1/executors')).body.items as Array<{ name: string; runners: string[] }>;
      const runners = executors.find((executor) => executor.name === 'plugin-executor')?.runners ?? [];
      assert.ok(runners.includes('docker') && runners.includes('fake-docker'), JSON.stringify(runners));
      assert.match(stderr, /runner 'docker' loaded from \.\/fixtures\/fake-docker-runner\.ts/);
      assert.doesNotMatch(stderr, /docker runner unavailable/);

      const task = await t.request('POST', '/api/v1/tasks', { name: 'fake-docker', docker: { image: 'alpine:3.20' } });
      assert.equal(task.status, 201, JSON.stringify(task.body));
      const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, { parameters: { day: 'monday' } });
      assert.equal(await watch.finished(triggered.body.id), 'success');
      const execution = await t.request('GET', `/api/v1/executions/${triggered.body.id}`);
      assert.deepEqual(execution.body.result, { image: 'alpine:3.20', parameters: { day: 'monday' } });
    } finally {
      watch.stop();
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, stderr);
    }
  });
});
