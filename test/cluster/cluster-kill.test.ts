// "Kill now" across instances: the stop is asked of the leader, the executor is connected
// to the follower, so the request travels through the database (requestStop) and the
// follower's delivery. A plain stop that the process ignores, then a forced one, must
// both arrive, and the forced one must SIGKILL the whole group at once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ExecutorClient } from '../../src/executor/client.ts';
import { defaultRunners } from '../../src/executor/runners/index.ts';
import { isRunning, killIfRunning, parsePids, stillRunningAfter } from '../executor/process-probe.ts';
import { removeTestData } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';

const FAST_LEASE = { CRONFLEET_LEASE_TTL_SECONDS: '2', CRONFLEET_LEASE_RENEW_SECONDS: '0.5', CRONFLEET_HEARTBEAT_INTERVAL_SECONDS: '0.5', CRONFLEET_SECRET_KEY: randomBytes(32).toString('base64') };

/** Far past every wait here: the run ends within them only if killed at once. */
const LONG_GRACE_MS = 600_000;

/** Two instances and a poll-based delivery (MySQL) are slow under a loaded CI: wait longer than the default. */
const WAIT_MS = 45_000;

const TERM_IGNORING = `trap 'echo term' TERM; (trap '' TERM; exec sleep 300) & echo "$$ $!"; while kill -0 $! 2>/dev/null; do wait $!; done`;

describe('kill now in a cluster', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-cluster-kill-'));
  const servers: TestServer[] = [];
  const clients: ExecutorClient[] = [];
  const spawned: number[] = [];
  after(async () => {
    for (const client of clients) await client.stop();
    for (const server of servers) await server.close({ keepData: true });
    await removeTestData(dataDir);
    killIfRunning(spawned);
  });

  it('a forced stop asked of the leader SIGKILLs a group running on an executor connected to the follower', async () => {
    const leader = await startTestServer({ dataDir, executor: false, env: { ...FAST_LEASE, CRONFLEET_INSTANCE_ID: 'leader' } });
    servers.push(leader);
    const follower = await startTestServer({ dataDir, executor: false, env: { ...FAST_LEASE, CRONFLEET_INSTANCE_ID: 'follower', CRONFLEET_ADMIN_TOKEN: leader.token } });
    servers.push(follower);
    assert.equal(leader.server.scheduler.isLeader, true);

    const token = (await follower.request('POST', '/api/v1/executor-tokens', { name: 'kill-now' })).body.token;
    const client = new ExecutorClient({ servers: [follower.url], token, name: 'worker', instanceId: 'worker', labels: {}, capacity: 4, runners: defaultRunners(), version: 'test', killGraceMs: LONG_GRACE_MS });
    clients.push(client);
    client.start();
    await client.welcomed();

    const task = await leader.request('POST', '/api/v1/tasks', { name: 'term-ignoring', command: TERM_IGNORING, shell: true });
    const run = await leader.request('POST', `/api/v1/tasks/${task.body.id}/trigger`);
    const id: string = run.body.id;
    const output = async () => ((await leader.request('GET', `/api/v1/executions/${id}/logs`)).body.items as Array<{ chunk: string }>).map((item) => item.chunk).join('');
    const pids = await eventually(
      async () => {
        const found = parsePids((await output()).split('\n')[0] ?? '');
        return found.length === 2 ? found : undefined;
      },
      'the run to print its pids',
      WAIT_MS,
    );
    spawned.push(...pids);
    assert.equal(client.agent.runningIds().includes(id), true);

    // A plain stop arrives through the follower; the group ignores it and keeps running.
    assert.equal((await leader.request('POST', `/api/v1/executions/${id}/stop`)).status, 202);
    await eventually(async () => (await output()).includes('term'), 'the SIGTERM to arrive', WAIT_MS);
    assert.equal((await leader.request('GET', `/api/v1/executions/${id}`)).body.status, 'running');
    assert.deepEqual(pids.filter(isRunning), pids);

    // The forced one follows the same road and does not wait for the grace.
    assert.equal((await leader.request('POST', `/api/v1/executions/${id}/stop`, { force: true })).status, 202);
    const ended = await eventually(
      async () => {
        const execution = (await follower.request('GET', `/api/v1/executions/${id}`)).body;
        return execution.status === 'running' ? undefined : execution;
      },
      'the forced stop to end the run',
      WAIT_MS,
    );
    assert.equal(ended.status, 'cancelled');
    assert.equal(ended.error, 'killed on request');
    assert.equal(ended.result.signal, 'SIGKILL');
    assert.deepEqual(await stillRunningAfter(pids), []);
  });
});
