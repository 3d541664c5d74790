// What happens when executors die or their connections drop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecutorClient } from '../../src/executor/client.ts';
import { defaultRunners } from '../../src/executor/runners/index.ts';
import type { TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { type AgentProcess, cleanupsAfter, executorIds, executorToken, lostThenRetried, startAgent, startedFailoverRun, startFleetServer } from './helpers.ts';

// This process's own: lanes run side by side, and the cleanup kills whatever holds the mark.
const MARK = `cronfleet-fleet-test-sleep-pid${process.pid}-`;

describe('executor failures', () => {
  const cleanups = cleanupsAfter(MARK);

  it('an agent SIGKILLed mid-run: the run fails as executor_lost and its retry runs on the other executor', async () => {
    const t = await startFleetServer();
    const agents: AgentProcess[] = [];
    cleanups.push(async () => {
      for (const agent of agents) await agent.kill('SIGKILL');
      await t.close();
    });
    const token = await executorToken(t);
    agents.push(await startAgent(t, token, 'primary'));
    agents.push(await startAgent(t, token, 'backup'));
    const { taskId, runId } = await startedFailoverRun(t, 'survivor', 'primary', 'backup', `sleep 2 # ${MARK}`);
    const names = await executorIds(t);

    await agents[0]!.kill('SIGKILL');
    const { lost, retry } = await lostThenRetried(t, taskId, runId);
    assert.equal(lost.status, 'failed');
    assert.equal(lost.reason, 'executor_lost', JSON.stringify(lost));
    assert.equal(names.get(retry.executor_id), 'backup');
    const primary = ((await t.request('GET', '/api/v1/executors')).body.items as Array<Record<string, any>>).find((executor) => executor.name === 'primary');
    assert.equal(primary!.status, 'offline');
  });

  it('a connection cut during a run: the run is reported once after the reconnect, not lost or doubled', async () => {
    const t = await startFleetServer();
    const token = await executorToken(t);
    const client = new ExecutorClient({
      servers: [t.url],
      token,
      name: 'flaky-link',
      instanceId: 'flaky-link',
      labels: {},
      capacity: 2,
      runners: defaultRunners(),
      version: 'test',
      backoffInitialMs: 50,
      backoffMaxMs: 200,
    });
    cleanups.push(async () => {
      await client.stop();
      await t.close();
    });
    client.start();
    await client.welcomed();
    const task = await t.request('POST', '/api/v1/tasks', { name: 'through-a-blip', command: 'sh', args: ['-c', 'sleep 0.6; echo done'], max_retry: 2 });
    const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    await eventually(async () => (await t.request('GET', `/api/v1/executions/${run.body.id}`)).body.start_time !== null, 'the run to start');
    client.dropConnection();
    const ended = await eventually(async () => {
      const execution = (await t.request('GET', `/api/v1/executions/${run.body.id}`)).body;
      return execution.status !== 'running' ? execution : undefined;
    }, 'the run to end');
    assert.equal(ended.status, 'success');
    const all = (await t.request('GET', `/api/v1/executions?task_id=${task.body.id}`)).body;
    assert.equal(all.total, 1, 'no retry, no duplicate');
    const logs = await t.request('GET', `/api/v1/executions/${run.body.id}/logs`);
    assert.equal(logs.body.items.map((item: { chunk: string }) => item.chunk).join(''), 'done\n');
  });

  it('a revoked executor token can no longer connect', async () => {
    const t = await startFleetServer();
    cleanups.push(() => t.close());
    const created = await t.request('POST', '/api/v1/executor-tokens', { name: 'short-lived' });
    assert.equal((await t.request('DELETE', `/api/v1/executor-tokens/${created.body.id}`)).status, 204);
    const tokens = (await t.request('GET', '/api/v1/executor-tokens')).body.items as Array<Record<string, any>>;
    assert.ok(tokens[0]!.revoked_at);
    assert.equal(JSON.stringify(tokens).includes(created.body.token), false, 'secrets are never listed');
    await assert.rejects(startAgentQuickly(t, created.body.token), /did not connect/);
  });
});

async function startAgentQuickly(t: TestServer, token: string): Promise<void> {
  const client = new ExecutorClient({ servers: [t.url], token, name: 'rejected', instanceId: 'rejected', labels: {}, capacity: 1, runners: [], version: 'test', backoffInitialMs: 50, backoffMaxMs: 100 });
  client.start();
  const outcome = await Promise.race([client.welcomed().then(() => 'welcomed'), new Promise((resolve) => setTimeout(() => resolve('timeout'), 1500))]);
  await client.stop();
  if (outcome !== 'welcomed') throw new Error('the executor did not connect');
}
