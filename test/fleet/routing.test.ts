// Routing across real agent processes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { executorIds, executorToken, onlineExecutor, runMany, startAgent, type AgentProcess } from './helpers.ts';

describe('routing strategies over real agents', () => {
  let t: TestServer;
  const agents: AgentProcess[] = [];
  before(async () => {
    // The default heartbeat interval (5 s), not the fleet tests' 0.3 s: routing is what these
    // tests judge, and with 0.3 s an agent busy starting a burst of runs on a loaded machine
    // missed its heartbeats for under a second and was judged lost, its runs failed and its share went
    // to the other (CI, 4 December: 53 of alpha's runs executor_lost, then 29 in a row on beta).
    t = await startTestServer({ executor: false });
    const token = await executorToken(t);
    // Routing skips an executor at capacity (its share goes to the others), so capacity here
    // is more than a test ever triggers: the splits below then depend on routing alone, not on
    // how fast the agents report results on a busy machine.
    agents.push(await startAgent(t, token, 'alpha', { labels: 'pool=p', capacity: 500 }));
    agents.push(await startAgent(t, token, 'beta', { labels: 'pool=p', capacity: 500 }));
  });
  after(async () => {
    for (const agent of agents) await agent.kill('SIGKILL');
    await t.close();
  });

  const names = async (executions: Array<Record<string, any>>) => {
    const ids = await executorIds(t);
    return executions.map((execution) => ids.get(execution.executor_id));
  };

  it('weighted_round_robin splits 3:1 over 400 executions', async () => {
    const task = await t.request('POST', '/api/v1/tasks', {
      name: 'weighted',
      command: 'true',
      load_balance_strategy: 'weighted_round_robin',
      executors: [
        { executor: 'alpha', weight: 3 },
        { executor: 'beta', weight: 1 },
      ],
    });
    const runs = await runMany(t, task.body.id, 400);
    const chosen = await names(runs);
    const alpha = chosen.filter((name) => name === 'alpha').length;
    // On a miss, how the runs went: by executor, status and reason, in the order they were made.
    const story = () => {
      const ordered = runs.map((run, index) => ({ run, name: chosen[index] })).sort((a, b) => String(a.run.id).localeCompare(String(b.run.id)));
      return ordered.map(({ run, name }) => `${name}:${run.status}${run.reason ? `/${run.reason}` : ''}`).join(' ');
    };
    assert.ok(Math.abs(alpha - 300) <= 20, `alpha ran ${alpha} of 400 (expected about 300); runs in order: ${story()}`);
    assert.equal(chosen.length - alpha, chosen.filter((name) => name === 'beta').length);
  });

  it('round_robin alternates between the executors', async () => {
    const task = await t.request('POST', '/api/v1/tasks', { name: 'alternating', command: 'true', executor_labels: { pool: 'p' } });
    const chosen = await names(await runMany(t, task.body.id, 20));
    assert.equal(chosen.filter((name) => name === 'alpha').length, 10);
  });

  it('sticky stays on one executor while it is healthy', async () => {
    const task = await t.request('POST', '/api/v1/tasks', { name: 'sticky', command: 'true', load_balance_strategy: 'sticky' });
    const chosen = await names(await runMany(t, task.body.id, 20));
    assert.equal(new Set(chosen).size, 1, `ran on ${[...new Set(chosen)].join(', ')}`);
  });

  it('broadcast runs once on every eligible executor, with its shard in the environment', async () => {
    const task = await t.request('POST', '/api/v1/tasks', {
      name: 'broadcast',
      command: 'sh',
      args: ['-c', 'echo "shard $CRONFLEET_SHARD_INDEX of $CRONFLEET_SHARD_TOTAL"'],
      load_balance_strategy: 'broadcast',
      executor_labels: { pool: 'p' },
    });
    const runs = await runMany(t, task.body.id, 1);
    await eventually(async () => {
      const page = await t.request('GET', `/api/v1/executions?task_id=${task.body.id}`);
      return page.body.total === 2 && page.body.items.every((execution: Record<string, any>) => execution.status === 'success');
    }, 'both shards to succeed');
    const shards = (await t.request('GET', `/api/v1/executions?task_id=${task.body.id}`)).body.items as Array<Record<string, any>>;
    assert.deepEqual((await names(shards)).sort(), ['alpha', 'beta']);
    assert.deepEqual(shards.map((shard) => shard.shard_index).sort(), [0, 1]);
    for (const shard of shards) {
      const logs = await t.request('GET', `/api/v1/executions/${shard.id}/logs`);
      assert.equal(logs.body.items.map((item: { chunk: string }) => item.chunk).join(''), `shard ${shard.shard_index} of 2\n`);
    }
    assert.ok(runs.length >= 1);
  });

  it('a task whose labels no executor carries stays pending with the reason', async () => {
    const task = await t.request('POST', '/api/v1/tasks', { name: 'nowhere', command: 'true', executor_labels: { pool: 'missing' } });
    const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    const waiting = await eventually(async () => {
      const execution = (await t.request('GET', `/api/v1/executions/${run.body.id}`)).body;
      return execution.reason ? execution : undefined;
    }, 'a pending reason');
    assert.equal(waiting.status, 'pending');
    assert.match(waiting.reason, /labels/);
    assert.ok(await onlineExecutor(t, 'alpha'));
  });
});
