// A kill that follows a stop ("Kill now" while the stop's grace runs) ends the process
// group at once. The grace here is far longer than any wait, so only an immediate
// SIGKILL can end these runs; the shell says when SIGTERM reached it, so the tests
// know the stop arrived without timing anything.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handlerRunner } from '../../src/executor/runners/handler.ts';
import { defaultRunners } from '../../src/executor/runners/index.ts';
import { AgentHarness, agentSuite, runTask, shTask } from './agent-harness.ts';
import { isRunning, killIfRunning, parsePids, stillRunningAfter } from './process-probe.ts';

const LONG_GRACE_MS = 600_000;

/** "<shell pid> <child pid>", then waits; the shell prints "term" on SIGTERM, its child ignores it. */
const TERM_IGNORING = `trap 'echo term' TERM; (trap '' TERM; exec sleep 300) & echo "$$ $!"; while kill -0 $! 2>/dev/null; do wait $!; done`;

describe('a kill after a stop', () => {
  const suite = agentSuite({ killGraceMs: LONG_GRACE_MS });

  async function startStopped(harness: AgentHarness) {
    const task = shTask(TERM_IGNORING);
    const finished = harness.run(task);
    await harness.printed(task.id, '\n');
    const pids = parsePids(harness.output(task.id, 'stdout'));
    suite.spawned.push(...pids);
    harness.agent.handle({ action: 'stop', tasks: [{ id: task.id }] });
    await harness.printed(task.id, 'term');
    return { task, finished, pids };
  }

  it('does not wait for the rest of the grace: the group is SIGKILLed and the run reported cancelled', async () => {
    const { task, finished, pids } = await startStopped(suite.harness);
    // The stop alone leaves the group running: the report has not come, every process lives.
    assert.equal(suite.harness.updates(task.id).filter((update) => update.data.status !== 'running').length, 0);
    assert.deepEqual(pids.filter(isRunning), pids);

    suite.harness.agent.handle({ action: 'kill', tasks: [{ id: task.id }] });
    const update = await finished;
    assert.equal(update.data.status, 'cancelled');
    assert.equal(update.data.error, 'killed on request');
    assert.equal((update.data.result as { signal: string }).signal, 'SIGKILL');
    assert.match(suite.harness.output(task.id, 'system'), /killed/);
    assert.deepEqual(await stillRunningAfter(pids), []);
  });

  it('stop() of the agent kills a run whose stop grace still runs', async () => {
    const local = new AgentHarness({ killGraceMs: LONG_GRACE_MS });
    const { finished, pids } = await startStopped(local).catch(async (error: unknown) => {
      await local.close();
      throw error;
    });
    try {
      await local.close();
      assert.equal((await finished).data.status, 'cancelled');
      assert.deepEqual(await stillRunningAfter(pids), []);
    } finally {
      killIfRunning(pids);
    }
  });

  it('abandons a handler that ignores its signal at once, without waiting out the stop grace', async () => {
    let started = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    const local = new AgentHarness({ killGraceMs: LONG_GRACE_MS, runners: [...defaultRunners(), handlerRunner({ stubborn: () => (started(), new Promise(() => {})) })] });
    try {
      const task = runTask('handler', { handler: 'stubborn' });
      const finished = local.run(task);
      await running;
      local.agent.handle({ action: 'stop', tasks: [{ id: task.id }] });
      local.agent.handle({ action: 'kill', tasks: [{ id: task.id }] });
      const update = await finished;
      assert.equal(update.data.status, 'cancelled');
      assert.equal(update.data.error, 'killed on request');
      assert.match(local.output(task.id, 'system'), /was still running after the stop request and was abandoned/);
    } finally {
      await local.close();
    }
  });
});
