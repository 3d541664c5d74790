// Seed 004's monitor-only deployment (issue 16): an instance with role api serves the API
// and the console and never takes the leader lease; one with role scheduler leads and
// serves executors, probes and metrics only. Work created through the api instance runs
// on an executor connected to the scheduler instance.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startLocalExecutor } from '../../src/cli/local-executor.ts';
import { loadConfig } from '../../src/config/config.ts';
import { CronfleetError } from '../../src/protocol/errors.ts';
import { watchExecutions } from '../api/execution-watch.ts';
import { clusterForSuite } from './harness.ts';

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('server roles', () => {
  const cluster = clusterForSuite('cronfleet-roles-');

  it('splits the API from the scheduling, and work still runs', async () => {
    const api = await cluster.start('api-1', { CRONFLEET_ROLE: 'api' });
    const scheduler = await cluster.start('scheduler-1', { CRONFLEET_ROLE: 'scheduler' });
    await until('the scheduler instance to lead', () => scheduler.server.scheduler.isLeader);
    assert.equal(api.server.scheduler.isLeader, false, 'an api instance never leads');

    // The scheduler instance: probes, metrics and executors only.
    assert.equal((await scheduler.request('GET', '/healthz', undefined, null)).status, 200);
    assert.equal((await scheduler.request('GET', '/metrics')).status, 200);
    const refused = await scheduler.request('GET', '/api/v1/tasks');
    assert.equal(refused.status, 404);
    assert.match(refused.body.error.message, /role scheduler/);
    const console = await fetch(`${scheduler.url}/tasks`, { headers: { accept: 'text/html' } });
    assert.equal(console.status, 404, 'no console either');

    const executor = await startLocalExecutor(scheduler.server.gateway, { name: 'on-scheduler', capacity: 2, labels: {}, version: 'test' });
    try {
      const watch = watchExecutions(scheduler);
      const task = await api.request('POST', '/api/v1/tasks', { name: 'split_roles', command: 'true' });
      assert.equal(task.status, 201, JSON.stringify(task.body));
      const triggered = await api.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
      assert.equal(triggered.status, 202);
      assert.equal(await watch.finished(triggered.body.id), 'success');
      watch.stop();
      assert.equal((await api.request('GET', `/api/v1/executions/${triggered.body.id}`)).body.status, 'success');
    } finally {
      await executor.stop();
    }
  });

  it('refuses an unknown role at start, naming the key', () => {
    assert.throws(
      () => loadConfig({ env: { CRONFLEET_ROLE: 'monitor' } }),
      (error: unknown) => error instanceof CronfleetError && /role/.test(error.message) && /all, api, scheduler/.test(error.message),
    );
  });
});
