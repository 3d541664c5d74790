import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultRunners } from '../../src/executor/runners/index.ts';
import type { Runner } from '../../src/executor/runners/runner.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/executor-messages.ts';
import { AgentHarness, isFinalUpdate, runTask, shTask } from './agent-harness.ts';

const crashingRunner: Runner = {
  type: 'handler',
  run() {
    throw new Error('handler exploded');
  },
};

describe('how the agent handles run messages', () => {
  let harness: AgentHarness;
  let sandbox: string;
  before(() => {
    harness = new AgentHarness({ runners: [...defaultRunners(), crashingRunner] });
    sandbox = mkdtempSync(join(tmpdir(), 'cronfleet-delivery-'));
  });
  after(async () => {
    await harness.close();
    rmSync(sandbox, { recursive: true, force: true });
  });

  it('runs an execution once when its run message is delivered twice', async () => {
    const counter = join(sandbox, 'runs');
    const task = shTask(`echo run >> '${counter}'`);
    const finished = harness.finished(task.id);
    harness.agent.handle({ action: 'run', tasks: [task, task] });
    harness.agent.handle({ action: 'run', tasks: [{ ...task }] });
    const update = await finished;
    assert.equal(update.data.status, 'success');
    assert.equal(readFileSync(counter, 'utf8'), 'run\n');
    assert.deepEqual(
      harness.updates(task.id).map((u) => u.data.status),
      ['running', 'success'],
    );
  });

  it('runs every execution of a run message that carries several', async () => {
    const tasks = [shTask('echo one'), shTask('echo two'), shTask('echo three')];
    const finished = Promise.all(tasks.map((task) => harness.finished(task.id)));
    harness.agent.handle({ action: 'run', tasks });
    const updates = await finished;
    assert.deepEqual(
      updates.map((update) => update.data.status),
      ['success', 'success', 'success'],
    );
    assert.deepEqual(
      tasks.map((task) => harness.output(task.id, 'stdout')),
      ['one\n', 'two\n', 'three\n'],
    );
  });

  it('fails an execution of a task type it has no runner for, with a clear error', async () => {
    const task = runTask('docker', { image: 'alpine', command: ['true'], env: {} });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.equal(update.data.error, "this executor has no 'docker' runner");
    assert.equal(update.data.exit_code, null);
  });

  it('reports a runner that throws as a failed execution and keeps running others', async () => {
    const update = await harness.run(runTask('handler', { handler: 'explode' }));
    assert.equal(update.data.status, 'failed');
    assert.equal(update.data.error, 'runner crashed: handler exploded');
    assert.equal((await harness.run(shTask('true'))).data.status, 'success');
  });

  it('ignores an error message from the server', async () => {
    const sent = harness.messages.length;
    harness.agent.handle({ action: 'error', code: 'bad_message', message: 'that was malformed' });
    assert.equal(harness.messages.length, sent);
  });

  it('says hello with its runners, its protocol version and the executions it still runs', async () => {
    const task = shTask('echo started; sleep 100');
    const finished = harness.run(task);
    await harness.printed(task.id, 'started');
    const hello = harness.agent.hello();
    assert.equal(hello.protocol_version, PROTOCOL_VERSION);
    assert.deepEqual(hello.runners.sort(), ['command', 'handler', 'http', 'script']);
    assert.deepEqual(hello.running, [task.id]);
    harness.agent.handle({ action: 'kill', tasks: [{ id: task.id }] });
    await finished;
    assert.deepEqual(harness.agent.hello().running, []);
  });

  it('tags every task_update with the executor id from welcome and the attempt', async () => {
    const task = shTask('true', { attempt: 2 });
    await harness.run(task);
    const updates = harness.updates(task.id);
    assert.equal(updates.filter(isFinalUpdate).length, 1);
    for (const update of updates) {
      assert.equal(update.worker_id, 'executor-1');
      assert.equal(update.attempt, 2);
    }
  });
});
