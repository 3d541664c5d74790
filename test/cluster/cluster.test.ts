// Several scheduler instances on one database: one leader fires and routes; any
// instance serves the API and holds executor connections; a follower takes over.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecutorClient } from '../../src/executor/client.ts';
import { defaultRunners } from '../../src/executor/runners/index.ts';
import { eventually } from '../scheduler/helpers.ts';
import { clusterForSuite } from './harness.ts';

describe('a cluster of scheduler instances', () => {
  const cluster = clusterForSuite('cronfleet-cluster-');

  it('routes from the leader to an executor connected to a follower, fails over, and loses no fire', async () => {
    // A 5 s lease: with the harness's 2 s one, a loaded machine let the second instance's
    // start hold the first's renewals past the lease, and the lead moved to the second.
    // Whichever leads once both run is the leader here; the other is the follower.
    const lease = { CRONFLEET_LEASE_TTL_SECONDS: '5' };
    const started = [await cluster.start('first', lease), await cluster.start('second', lease)];
    const status = await eventually(async () => {
      const body = (await started[1]!.request('GET', '/api/v1/system/status')).body;
      return body.leader?.instance_id && started.some((instance) => instance.server.scheduler.isLeader && instance.server.instanceId === body.leader.instance_id) ? body : undefined;
    }, 'the status to show a leader');
    assert.deepEqual(status.instances.map((instance: { id: string }) => instance.id).sort(), ['first', 'second']);
    const first = started.find((instance) => instance.server.instanceId === status.leader.instance_id)!;
    const second = started.find((instance) => instance !== first)!;
    assert.equal(second.server.scheduler.isLeader, false);

    // The executor dials the follower; the leader's routing still reaches it.
    const token = (await second.request('POST', '/api/v1/executor-tokens', { name: 'cluster' })).body.token;
    const client = cluster.track(new ExecutorClient({ servers: [second.url, first.url], token, name: 'worker', instanceId: 'worker', labels: {}, capacity: 4, runners: defaultRunners(), version: 'test' }));
    client.start();
    await client.welcomed();

    const task = await first.request('POST', '/api/v1/tasks', { name: 'everywhere', command: 'echo', args: ['routed'] });
    const run = await first.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    const done = await eventually(async () => {
      const execution = (await first.request('GET', `/api/v1/executions/${run.body.id}`)).body;
      return execution.status === 'success' ? execution : undefined;
    }, 'the routed run to succeed');
    assert.ok(done.executor_id);

    // A stop asked of the leader reaches the executor through the follower.
    const slow = await first.request('POST', '/api/v1/tasks', { name: 'slow', command: 'sleep', args: ['30'] });
    const slowRun = await first.request('POST', `/api/v1/tasks/${slow.body.id}/trigger`, {});
    await eventually(async () => (await first.request('GET', `/api/v1/executions/${slowRun.body.id}`)).body.start_time !== null, 'the slow run to start');
    assert.equal((await first.request('POST', `/api/v1/executions/${slowRun.body.id}/stop`)).status, 202);
    await eventually(async () => (await second.request('GET', `/api/v1/executions/${slowRun.body.id}`)).body.status === 'cancelled', 'the stop to arrive');

    // A task firing every second; then the leader goes away and the follower takes over.
    const ticking = await second.request('POST', '/api/v1/tasks', { name: 'ticking', cron_expression: '* * * * * *', command: 'true', misfire_policy: 'run_all' });
    await eventually(async () => (await second.request('GET', `/api/v1/executions?task_id=${ticking.body.id}`)).body.total >= 2, 'fires from the first leader');
    await cluster.stop(first);
    await eventually(async () => second.server.scheduler.isLeader, 'the follower to take over', 30_000);
    const takeoverAt = Date.now();
    await eventually(async () => {
      const items = (await second.request('GET', `/api/v1/executions?task_id=${ticking.body.id}&page_size=1000`)).body.items as Array<{ scheduled_time: string }>;
      return items.some((execution) => Date.parse(execution.scheduled_time) > takeoverAt + 1000);
    }, 'fires from the new leader');
    await second.request('POST', `/api/v1/tasks/${ticking.body.id}/pause`);
    const instants = ((await second.request('GET', `/api/v1/executions?task_id=${ticking.body.id}&page_size=1000`)).body.items as Array<{ scheduled_time: string }>)
      .map((execution) => Date.parse(execution.scheduled_time))
      .sort((a, b) => a - b);
    assert.equal(new Set(instants).size, instants.length, 'no fire doubled');
    for (let i = 1; i < instants.length; i++) assert.equal(instants[i]! - instants[i - 1]!, 1000, 'no fire lost across the failover');
  });
});
