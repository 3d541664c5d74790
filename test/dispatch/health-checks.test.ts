// Health checks of HTTP executors (seed 001 §4.2.2), with the interval shortened to
// 0.2 s by configuration: the thresholds are the defaults (3 failures, 2 recoveries).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HealthEvents } from '../../src/dispatch/health-checks.ts';
import { watchExecutions } from '../api/execution-watch.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { HttpExecutorHarness } from './http-executor-harness.ts';

type Check = HealthEvents['health.checked'];
// A bound for "never comes", not a timing: generous, since CI runs two test files at once on two cores.
const WAIT_LIMIT_MS = 60_000;

describe('HTTP executor health checks', () => {
  let t: TestServer;
  let executor: HttpExecutorHarness;
  const checks: Check[] = [];

  before(async () => {
    t = await startTestServer({ executor: false, env: { CRONFLEET_HEALTH_CHECK_INTERVAL_SECONDS: '0.2' } });
    executor = await HttpExecutorHarness.start();
    t.server.httpExecutors.events.on('health.checked', (check) => checks.push(check));
  });
  after(async () => {
    await t.close();
    await executor.close();
  });

  /** Resolves with the first check of `executorId` after the `from`-th one that satisfies `match`. */
  function nextCheck(executorId: string, from: number, match: (check: Check) => boolean = () => true): Promise<Check> {
    return new Promise((resolve, reject) => {
      const find = () => checks.slice(from).find((check) => check.executorId === executorId && match(check));
      const found = find();
      if (found) return resolve(found);
      const timer = setTimeout(() => {
        off();
        reject(new Error(`timed out waiting for a health check of ${executorId}`));
      }, WAIT_LIMIT_MS);
      const off = t.server.httpExecutors.events.on('health.checked', () => {
        const check = find();
        if (!check) return;
        clearTimeout(timer);
        off();
        resolve(check);
      });
    });
  }

  const executorView = async (id: string) => (await t.request('GET', '/api/v1/executors')).body.items.find((item: { id: string }) => item.id === id);

  it('marks an executor unhealthy after 3 failed checks in a row and healthy after 2 passing ones', async () => {
    const registered = await t.request('POST', '/api/v1/executors/register', executor.registration('dp-001'));
    assert.equal(registered.status, 201);
    executor.adopt(registered.body);
    const id: string = registered.body.id;
    await nextCheck(id, checks.length, (check) => check.ok);

    executor.healthy = false;
    const failingFrom = checks.length;
    const third = await nextCheck(id, failingFrom, (check) => check.failures === 3);
    const failing = checks.slice(failingFrom).filter((check) => check.executorId === id && !check.ok);
    assert.deepEqual(
      failing.map((check) => [check.failures, check.healthy]),
      [
        [1, true],
        [2, true],
        [3, false],
      ],
    );
    assert.equal(third.healthy, false);
    const unhealthy = await executorView(id);
    assert.equal(unhealthy.is_healthy, false);
    assert.equal(unhealthy.health_check_failures, 3);
    assert.notEqual(unhealthy.last_health_check, null);

    // No work goes to an unhealthy executor: it waits.
    const task = await t.request('POST', '/api/v1/tasks', { name: 'data_sync_task' });
    const watch = watchExecutions(t);
    try {
      const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
      await t.server.dispatcher.settled();
      const pending = (await t.request('GET', `/api/v1/executions/${triggered.body.id}`)).body;
      assert.equal(pending.status, 'pending');
      assert.equal(pending.reason, 'no executor is online');

      executor.healthy = true;
      const recoveringFrom = checks.length;
      const first = await nextCheck(id, recoveringFrom, (check) => check.ok);
      assert.deepEqual([first.failures, first.healthy], [0, false], 'one passing check is not enough');
      const second = await nextCheck(id, checks.indexOf(first) + 1, (check) => check.ok);
      assert.deepEqual([second.failures, second.healthy], [0, true]);
      assert.equal((await executorView(id)).is_healthy, true);

      await executor.run(triggered.body.id);
      assert.equal(await watch.finished(triggered.body.id), 'success');
    } finally {
      watch.stop();
    }
  });

  it('does not probe an executor that gave no health_check_url, which stays healthy', async () => {
    const silent = await t.request('POST', '/api/v1/executors/register', { ...executor.registration('dp-002'), health_check_url: null, runners: ['command'] });
    assert.equal(silent.status, 201);
    const probed = (await t.request('GET', '/api/v1/executors')).body.items.find((item: { instance_id: string }) => item.instance_id === 'dp-001');
    // Two full rounds of the other executor: the silent one was skipped in both.
    const from = checks.length;
    const once = await nextCheck(probed.id, from);
    await nextCheck(probed.id, checks.indexOf(once) + 1);
    assert.equal(checks.slice(from).filter((check) => check.executorId === silent.body.id).length, 0);
    const view = await executorView(silent.body.id);
    assert.equal(view.is_healthy, true);
    assert.equal(view.last_health_check, null);
  });
});
