import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentHarness, runTask } from './agent-harness.ts';
import type { RunTask } from '../../src/protocol/executor-messages.ts';

function scriptTask(interpreter: string, body: string, env: Record<string, string> = {}, overrides: Partial<RunTask> = {}): RunTask {
  return runTask('script', { interpreter, body, env }, overrides);
}

/** The script prints its own path on the first line of stdout. */
function scriptPath(harness: AgentHarness, executionId: string): string {
  return harness.output(executionId, 'stdout').split('\n')[0]!;
}

describe('script runner', () => {
  let harness: AgentHarness;
  before(() => {
    harness = new AgentHarness();
  });
  after(() => harness.close());

  it('runs an sh script with the task env and parameters, and removes its temp file afterwards', async () => {
    const task = scriptTask('sh', 'echo "$0"\necho "greeting=$GREETING region=$CRONFLEET_PARAM_REGION"\nread -r stdin; echo "stdin=$stdin"\n', { GREETING: 'hi' }, { parameters: { region: 'eu' } });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success', update.data.error ?? '');
    const [, greeting, stdin] = harness.output(task.id, 'stdout').split('\n');
    assert.equal(greeting, 'greeting=hi region=eu');
    assert.equal(stdin, 'stdin={"region":"eu"}');
    const path = scriptPath(harness, task.id);
    assert.match(path, /cronfleet-script-.*\/script\.sh$/);
    assert.equal(existsSync(path), false, 'the script file is removed');
    assert.equal(existsSync(dirname(path)), false, 'its private directory is removed');
  });

  it('runs a node script as an ES module', async () => {
    const task = scriptTask('node', "import { argv, env } from 'node:process';\nconsole.log(argv[1]);\nconsole.log(`execution=${env.CRONFLEET_EXECUTION_ID}`);\n");
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success', update.data.error ?? '');
    assert.equal(harness.output(task.id, 'stdout').split('\n')[1], `execution=${task.id}`);
    const path = scriptPath(harness, task.id);
    assert.match(path, /script\.mjs$/);
    assert.equal(existsSync(dirname(path)), false);
  });

  it('reports a failing script as failed with its exit code, and still removes the file', async () => {
    const task = scriptTask('sh', 'echo "$0"\nexit 7\n');
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.equal(update.data.exit_code, 7);
    assert.equal(existsSync(dirname(scriptPath(harness, task.id))), false);
  });

  it('removes the file of a script that timed out', async () => {
    const task = scriptTask('sh', 'echo "$0"\nsleep 100\n', {}, { timeout: 1 });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'timeout');
    assert.equal(existsSync(dirname(scriptPath(harness, task.id))), false);
  });

  it('fails with a clear error when the interpreter is missing', async () => {
    const task = scriptTask('cronfleet-no-such-interpreter', 'echo hi\n');
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.match(update.data.error ?? '', /could not start 'cronfleet-no-such-interpreter'/);
  });
});
