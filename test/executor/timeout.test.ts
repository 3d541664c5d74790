import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentSuite, shTask } from './agent-harness.ts';
import { parsePids, stillRunningAfter } from './process-probe.ts';

describe('execution timeout', () => {
  const suite = agentSuite({ killGraceMs: 200 });
  const spawned = suite.spawned;

  it('ends with status timeout and leaves neither the process nor its grandchild running', async () => {
    // Prints "<shell pid> <background grandchild pid>" first, then waits on both sleeps.
    const task = shTask('sleep 100 & echo "$$ $!"; sleep 100; wait', { timeout: 1 });
    const update = await suite.harness.run(task);
    const pids = parsePids(suite.harness.output(task.id, 'stdout'));
    spawned.push(...pids);
    assert.equal(pids.length, 2, 'the task printed its pid and its grandchild pid');
    assert.equal(update.data.status, 'timeout');
    assert.equal(update.data.error, 'timed out after 1s');
    assert.equal((update.data.result as { signal: string }).signal, 'SIGTERM');
    assert.match(suite.harness.output(task.id, 'system'), /timed out after 1s/);
    assert.deepEqual(await stillRunningAfter(pids), []);
  });

  it('kills a process that ignores SIGTERM with SIGKILL once the grace period is over', async () => {
    // The ignored SIGTERM is inherited by the sleeps too.
    const task = shTask('trap "" TERM; sleep 100 & echo "$$ $!"; sleep 100; wait', { timeout: 1 });
    const update = await suite.harness.run(task);
    const pids = parsePids(suite.harness.output(task.id, 'stdout'));
    spawned.push(...pids);
    assert.equal(pids.length, 2);
    assert.equal(update.data.status, 'timeout');
    assert.equal((update.data.result as { signal: string }).signal, 'SIGKILL');
    assert.deepEqual(await stillRunningAfter(pids), []);
  });

  it('ends with status timeout when the server sends a timeout action', async () => {
    const task = shTask('echo started; sleep 100');
    const finished = suite.harness.run(task);
    await suite.harness.printed(task.id, 'started');
    suite.harness.agent.handle({ action: 'timeout', tasks: [{ id: task.id }] });
    const update = await finished;
    assert.equal(update.data.status, 'timeout');
  });

  it('does not time out a process that finishes within its timeout', async () => {
    const update = await suite.harness.run(shTask('echo quick', { timeout: 1 }));
    assert.equal(update.data.status, 'success');
  });
});
