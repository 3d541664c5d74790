import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AgentHarness, agentSuite, shTask } from './agent-harness.ts';
import { parsePids, stillRunningAfter } from './process-probe.ts';

describe('stop and kill requests', () => {
  const suite = agentSuite({ killGraceMs: 200 });
  const spawned = suite.spawned;

  /** Starts a task that prints "<pid> <grandchild pid>" and then runs until stopped. */
  async function startLongTask(script = 'sleep 100 & echo "$$ $!"; sleep 100; wait') {
    const task = shTask(script);
    const finished = suite.harness.run(task);
    await suite.harness.printed(task.id, '\n'); // the whole pid line has arrived
    const pids = parsePids(suite.harness.output(task.id, 'stdout'));
    spawned.push(...pids);
    return { task, finished, pids };
  }

  it('a stop request ends the execution as cancelled and ends the whole process group', async () => {
    const { task, finished, pids } = await startLongTask();
    suite.harness.agent.handle({ action: 'stop', tasks: [{ id: task.id }] });
    const update = await finished;
    assert.equal(update.data.status, 'cancelled');
    assert.equal(update.data.error, 'stopped on request');
    assert.equal((update.data.result as { signal: string }).signal, 'SIGTERM');
    assert.match(suite.harness.output(task.id, 'system'), /stopped/);
    assert.deepEqual(await stillRunningAfter(pids), []);
  });

  it('a stop request escalates to SIGKILL for a process that ignores SIGTERM', async () => {
    const { task, finished, pids } = await startLongTask('trap "" TERM; sleep 100 & echo "$$ $!"; sleep 100; wait');
    suite.harness.agent.handle({ action: 'stop', tasks: [{ id: task.id }] });
    const update = await finished;
    assert.equal(update.data.status, 'cancelled');
    assert.equal((update.data.result as { signal: string }).signal, 'SIGKILL');
    assert.deepEqual(await stillRunningAfter(pids), []);
  });

  it('a kill request ends the execution as cancelled with SIGKILL at once', async () => {
    const { task, finished, pids } = await startLongTask('trap "" TERM; sleep 100 & echo "$$ $!"; sleep 100; wait');
    suite.harness.agent.handle({ action: 'kill', tasks: [{ id: task.id }] });
    const update = await finished;
    assert.equal(update.data.status, 'cancelled');
    assert.equal(update.data.error, 'killed on request');
    assert.equal((update.data.result as { signal: string }).signal, 'SIGKILL');
    assert.match(suite.harness.output(task.id, 'system'), /killed/);
    assert.deepEqual(await stillRunningAfter(pids), []);
  });

  it('ignores a stop for an execution it does not run', async () => {
    suite.harness.agent.handle({ action: 'stop', tasks: [{ id: 'execution-unknown' }] });
    const update = await suite.harness.run(shTask('echo fine'));
    assert.equal(update.data.status, 'success');
  });

  it('stop() of the agent cancels what still runs and no longer lists it as running', async () => {
    const local = new AgentHarness({ killGraceMs: 200 });
    const task = shTask('echo started; sleep 100');
    const finished = local.run(task);
    await local.printed(task.id, 'started');
    assert.deepEqual(local.agent.runningIds(), [task.id]);
    await local.close();
    assert.equal((await finished).data.status, 'cancelled');
    assert.deepEqual(local.agent.runningIds(), []);
    await local.close(); // safe to call twice
  });
});
