// An HTTP executor is health-checked right after it registers (seed 001 §4.2.1), not at
// the leader's next round. The leader's periodic checks are stopped before each
// registration here, so any check seen can only be the one the registration made.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { HealthEvents } from '../../src/dispatch/health-checks.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { deadUrl, HttpExecutorHarness } from './http-executor-harness.ts';

type Check = HealthEvents['health.checked'];
// A bound for "never comes", not a timing: generous, since CI runs two test files at once on two cores.
const WAIT_LIMIT_MS = 60_000;

describe('health check on registration', () => {
  let t: TestServer;
  let executor: HttpExecutorHarness;

  before(async () => {
    t = await startTestServer({ executor: false });
    executor = await HttpExecutorHarness.start();
  });
  beforeEach(() => t.server.httpExecutors.stopHealthChecks());
  after(async () => {
    await t.close();
    await executor.close();
  });

  /** Starts recording health checks now; the returned function waits for the first one of an executor. */
  function firstCheck(): (executorId: string) => Promise<Check> {
    const seen: Check[] = [];
    const waiters = new Set<() => void>();
    const off = t.server.httpExecutors.events.on('health.checked', (check) => {
      seen.push(check);
      for (const waiter of waiters) waiter();
    });
    return (executorId) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(look);
          off();
          reject(new Error(`timed out waiting for a health check of ${executorId}`));
        }, WAIT_LIMIT_MS);
        function look() {
          const check = seen.find((candidate) => candidate.executorId === executorId);
          if (!check) return;
          clearTimeout(timer);
          waiters.delete(look);
          off();
          resolve(check);
        }
        waiters.add(look);
        look();
      });
  }

  const executorView = async (id: string) => (await t.request('GET', '/api/v1/executors')).body.items.find((item: { id: string }) => item.id === id);

  it('checks an executor whose endpoint answers at once, and it is healthy', async () => {
    const checked = firstCheck();
    const probesBefore = executor.healthChecks;
    const registered = await t.request('POST', '/api/v1/executors/register', executor.registration('on-register-up'));
    assert.equal(registered.status, 201);
    const check = await checked(registered.body.id);
    assert.deepEqual([check.ok, check.healthy, check.failures], [true, true, 0]);
    assert.ok(executor.healthChecks > probesBefore, 'its health endpoint was called');
    const view = await executorView(registered.body.id);
    assert.equal(view.is_healthy, true);
    assert.notEqual(view.last_health_check, null, 'a check is on record');
  });

  it('marks an executor whose endpoint is down unhealthy at once: a first check has no record to smooth', async () => {
    const checked = firstCheck();
    const down = `${await deadUrl()}/health`;
    const registered = await t.request('POST', '/api/v1/executors/register', executor.registration('on-register-down', { health_check_url: down }));
    assert.equal(registered.status, 201);
    const check = await checked(registered.body.id);
    assert.deepEqual([check.ok, check.healthy, check.failures], [false, false, 1]);
    const view = await executorView(registered.body.id);
    assert.equal(view.is_healthy, false);
    assert.equal(view.health_check_failures, 1);
  });

  it('checks a registered executor again at once when it registers a new health_check_url', async () => {
    const instanceId = 'on-register-moved';
    const first = firstCheck();
    const registered = await t.request('POST', '/api/v1/executors/register', executor.registration(instanceId, { health_check_url: `${await deadUrl()}/health` }));
    assert.equal((await first(registered.body.id)).healthy, false);

    const again = firstCheck();
    const moved = await t.request('POST', '/api/v1/executors/register', executor.registration(instanceId));
    assert.equal(moved.status, 200);
    const check = await again(registered.body.id);
    assert.deepEqual([check.ok, check.healthy], [true, true], 'a new endpoint starts a new record: one passing check is enough');
    assert.equal((await executorView(registered.body.id)).is_healthy, true);
  });
});
