import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentHarness, commandTask, shTask } from './agent-harness.ts';

describe('how a process ending maps to an execution status', () => {
  let harness: AgentHarness;
  before(() => {
    harness = new AgentHarness();
  });
  after(() => harness.close());

  it('reports success with exit code 0 when the process exits 0', async () => {
    const task = shTask('echo done');
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    assert.equal(update.data.exit_code, 0);
    assert.equal(update.data.error, null);
    assert.equal(update.data.output, 'done\n');
  });

  it('reports failed with the exit code and an error when the process exits non-zero', async () => {
    const task = shTask('echo broken >&2; exit 3');
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.equal(update.data.exit_code, 3);
    assert.equal(update.data.error, 'exited with code 3');
    assert.equal(harness.output(task.id, 'stderr'), 'broken\n');
  });

  it('reports failed with the signal when the process is killed by one', async () => {
    const task = shTask('kill -9 $$');
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.equal(update.data.exit_code, null);
    assert.equal(update.data.error, 'terminated by SIGKILL');
  });

  it('reports failed with a clear error when the program does not exist, and keeps working', async () => {
    const missing = commandTask({ command: '/nonexistent/cronfleet-no-such-program', args: ['x'] });
    const update = await harness.run(missing);
    assert.equal(update.data.status, 'failed');
    assert.equal(update.data.exit_code, null);
    assert.match(update.data.error ?? '', /could not start '\/nonexistent\/cronfleet-no-such-program'.*ENOENT/);
    assert.match(harness.output(missing.id, 'system'), /could not start/);

    const bareName = commandTask({ command: 'cronfleet-no-such-program-on-path' });
    assert.equal((await harness.run(bareName)).data.status, 'failed');

    const next = await harness.run(shTask('echo still alive'));
    assert.equal(next.data.status, 'success');
  });

  it('reports failed when the working directory does not exist', async () => {
    const task = commandTask({ command: '/bin/echo', args: ['hi'], cwd: '/nonexistent/cronfleet-directory' });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.ok(update.data.error, 'an error message is reported');
  });

  it('sends running first, then exactly one final update carrying start and end times', async () => {
    const task = shTask('true');
    await harness.run(task);
    const updates = harness.updates(task.id);
    assert.deepEqual(
      updates.map((update) => update.data.status),
      ['running', 'success'],
    );
    const [running, final] = updates;
    assert.equal(final!.data.time_start, running!.data.time_start);
    assert.ok(Date.parse(final!.data.time_end!) >= Date.parse(final!.data.time_start!));
    assert.equal(final!.worker_id, 'executor-1');
    assert.equal(final!.attempt, task.attempt);
  });
});
