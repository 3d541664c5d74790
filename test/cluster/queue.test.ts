// Execution modes hold across a cluster: a `queue` task's runs go one at a time and at
// most max_queued fires wait, whichever instance leads, through a failover.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExecutorClient } from '../../src/executor/client.ts';
import { defaultRunners } from '../../src/executor/runners/index.ts';
import type { TestServer } from '../helpers/server.ts';
import { clusterForSuite } from './harness.ts';
import { eventually } from '../scheduler/helpers.ts';

type Row = { id: string; status: string; reason: string | null; scheduled_time: string; trigger: string };

describe('queue mode in a cluster', () => {
  const cluster = clusterForSuite('cronfleet-queue-');

  it('runs one at a time with at most max_queued waiting, before and after a failover', async () => {
    const first = await cluster.start('first');
    const second = await cluster.start('second');
    const token = (await second.request('POST', '/api/v1/executor-tokens', { name: 'queue' })).body.token;
    const client = cluster.track(new ExecutorClient({ servers: [second.url], token, name: 'worker', instanceId: 'queue-worker', labels: {}, capacity: 8, runners: defaultRunners(), version: 'test' }));
    client.start();
    await client.welcomed();

    const created = await second.request('POST', '/api/v1/tasks', { name: 'queued', cron_expression: '* * * * * *', command: 'sleep', args: ['60'], execution_mode: 'queue', max_queued: 1 });
    assert.equal(created.status, 201);
    const taskId = created.body.id;
    const list = async (via: TestServer) => (await via.request('GET', `/api/v1/executions?task_id=${taskId}&page_size=1000`)).body.items as Row[];
    /** Watches the task's executions for a while: never two running, never more than one waiting. */
    const watch = async (via: TestServer, ms: number) => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const rows = await list(via);
        const running = rows.filter((row) => row.status === 'running');
        const waiting = rows.filter((row) => row.status === 'pending');
        assert.ok(running.length <= 1, `one run at a time, saw ${running.length}`);
        assert.ok(waiting.length <= 1, `at most max_queued (1) waiting, saw ${waiting.length}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await eventually(async () => (await list(second)).some((row) => row.status === 'running'), 'the first run to start');
    await watch(second, 3500);
    const before = await list(second);
    assert.ok(before.filter((row) => row.status === 'skipped').length >= 2, 'fires beyond the queue were skipped');
    assert.ok(before.filter((row) => row.status === 'skipped').every((row) => row.reason === 'overlap'));

    await cluster.stop(first);
    await eventually(async () => second.server.scheduler.isLeader, 'the follower to take over', 10_000);
    const takeoverAt = Date.now();
    await watch(second, 3500);
    const afterFailover = await list(second);
    assert.ok(
      afterFailover.some((row) => row.status === 'skipped' && Date.parse(row.scheduled_time) > takeoverAt),
      'the new leader keeps the bound',
    );
    const instants = afterFailover.map((row) => row.scheduled_time);
    assert.equal(new Set(instants).size, instants.length, 'no fire doubled');
    assert.equal(afterFailover.filter((row) => row.status === 'running').length, 1, 'the first run still runs alone');
  });
});
