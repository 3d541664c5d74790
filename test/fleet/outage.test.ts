// After a database outage or a change of leader, executors come back and no run is
// executed twice: results that could not be stored are sent again until stored (once),
// a heartbeat brings an executor back online, and no executor is judged lost on
// heartbeats that could not be written or before agents could reconnect.
// The outage is simulated by making one store call fail (never by stopping the database).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeTestData } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTcpProxy } from '../helpers/tcp-proxy.ts';
import { eventually } from '../scheduler/helpers.ts';
import { agentClient, execution, executorNamed, executorToken, FAST_HEARTBEAT, helloFrame, rawExecutor, startFleetServer } from './helpers.ts';
import { rawDatabase } from '../../src/store/raw-database.ts';

const outage = () => Object.assign(new Error('the database is unreachable (simulated by the test)'), { code: 'ECONNREFUSED' });

/** Makes the first `failures` calls of `object[method]` that satisfy `when` throw; returns the call counts. */
function failFirst<T extends object, K extends keyof T>(object: T, method: K, failures: number, when: (...args: any[]) => boolean = () => true) {
  const original = (object[method] as (...args: unknown[]) => Promise<unknown>).bind(object);
  const counts = { calls: 0, failed: 0 };
  (object as any)[method] = async (...args: unknown[]) => {
    if (when(...args)) {
      counts.calls += 1;
      if (counts.failed < failures) {
        counts.failed += 1;
        throw outage();
      }
    }
    return original(...args);
  };
  return { counts, restore: () => ((object as any)[method] = original) };
}

async function finished(t: TestServer, id: string): Promise<Record<string, any>> {
  return eventually(async () => {
    const current = await execution(t, id);
    return current.status !== 'pending' && current.status !== 'running' ? current : undefined;
  }, `execution ${id} to end`);
}

async function runsOf(t: TestServer, taskId: string): Promise<Array<Record<string, any>>> {
  return (await t.request('GET', `/api/v1/executions?task_id=${taskId}`)).body.items;
}

describe('results that could not be stored', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('an agent sends an unacknowledged result again while connected, and it is stored once', async () => {
    // A 5 s heartbeat: with the fleet's 0.3 s one the link's liveness deadline is 1 s, and at
    // a load of 18 on two cores one stall that long made the agent reconnect (CI, 3 December),
    // which this test must tell apart from a resend over the same link.
    const t = await startTestServer({ executor: false, env: { CRONFLEET_HEARTBEAT_INTERVAL_SECONDS: '5' } });
    cleanups.push(() => t.close());
    let connects = 0;
    const log = (_level: string, message: string) => {
      if (message.startsWith('connected to')) connects += 1;
    };
    const client = agentClient([t.url], await executorToken(t), 'persistent', { resend: { initialMs: 100, maxMs: 400 }, log });
    cleanups.push(() => client.stop());
    await client.welcomed();
    const finishes = failFirst(t.server.store.executions, 'finishMany', 1);
    let finishedEvents = 0;
    t.server.events.on('execution.finished', () => (finishedEvents += 1));

    const task = await t.request('POST', '/api/v1/tasks', { name: 'store-me', command: 'echo', args: ['once'], max_retry: 2 });
    const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    const done = await finished(t, run.body.id);
    assert.equal(done.status, 'success');
    assert.equal(finishes.counts.failed, 1, 'the first store attempt failed');
    assert.equal(connects, 1, 'sent again over the same link, no reconnect');
    assert.equal(finishedEvents, 1);
    assert.equal((await runsOf(t, task.body.id)).length, 1, 'no retry, no second run');
  });

  it('the built-in executor sends an unacknowledged result again too', async () => {
    const t = await startTestServer({ env: FAST_HEARTBEAT });
    cleanups.push(() => t.close());
    const finishes = failFirst(t.server.store.executions, 'finishMany', 1);
    const task = await t.request('POST', '/api/v1/tasks', { name: 'store-me-locally', command: 'echo', args: ['once'], max_retry: 2 });
    const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    assert.equal((await finished(t, run.body.id)).status, 'success');
    assert.equal(finishes.counts.failed, 1);
    assert.equal((await runsOf(t, task.body.id)).length, 1);
  });

  it('a result received twice is taken once and acknowledged twice', async () => {
    const t = await startFleetServer();
    cleanups.push(() => t.close());
    const agent = await rawExecutor(t.url, await executorToken(t));
    agent.send(helloFrame('repeater'));
    const welcome = await agent.next((frame) => frame.action === 'welcome');
    const task = await t.request('POST', '/api/v1/tasks', { name: 'said-twice', command: 'false', executors: [{ executor: 'repeater' }], max_retry: 1, retry_backoff_seconds: 3600 });
    const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    await agent.next((frame) => frame.action === 'run' && frame.tasks.some((item: { id: string }) => item.id === run.body.id));
    const report = { action: 'task_update', worker_id: welcome.executor_id, task_id: run.body.id, attempt: 1, data: { status: 'failed', exit_code: 1 } };
    agent.send({ ...report, data: { status: 'running' } });
    agent.send(report);
    agent.send(report);
    await eventually(async () => agent.frames.filter((frame) => frame.action === 'ack').length === 2, 'both copies to be acknowledged');
    assert.equal((await finished(t, run.body.id)).status, 'failed');
    const retries = (await runsOf(t, task.body.id)).filter((item) => item.retry_of === run.body.id);
    assert.equal(retries.length, 1, 'one retry, not one per copy');
    agent.socket.close();
  });
});

describe('executors after an outage', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('a heartbeat brings an offline executor back online, but never one in maintenance', async () => {
    const t = await startFleetServer();
    cleanups.push(() => t.close());
    const client = agentClient([t.url], await executorToken(t), 'comeback');
    cleanups.push(() => client.stop());
    await client.welcomed();
    const id = (await executorNamed(t, 'comeback'))!.id;

    await t.server.store.executors.setStatus(id, 'offline', Date.now());
    await eventually(async () => (await executorNamed(t, 'comeback'))?.status === 'online', 'a heartbeat to bring it back online');

    await t.server.store.executors.setStatus(id, 'maintenance', Date.now());
    const since = Date.now();
    await eventually(async () => ((await t.server.store.executors.get(id))!.lastHeartbeat ?? 0) > since + 700, 'a few heartbeats after maintenance');
    assert.equal((await executorNamed(t, 'comeback'))!.status, 'maintenance');
  });

  it('a new leader gives agents time to reconnect and takes the results of runs that ended meanwhile', async () => {
    const t = await startFleetServer();
    cleanups.push(() => t.close());
    const proxy = createTcpProxy(t.url);
    await proxy.start();
    cleanups.push(() => proxy.stop());
    const client = agentClient([proxy.url], await executorToken(t), 'returning');
    cleanups.push(() => client.stop());
    await client.welcomed();
    const id = (await executorNamed(t, 'returning'))!.id;
    // The run ends when the test says so (a file appears), so it ends while the agent is away, however slow the machine.
    const go = join(mkdtempSync(join(tmpdir(), 'cronfleet-away-')), 'go');
    cleanups.push(() => removeTestData(dirname(go)));
    const task = await t.request('POST', '/api/v1/tasks', { name: 'ends-while-away', command: 'sh', args: ['-c', `while [ ! -e '${go}' ]; do sleep 0.05; done; echo done`], max_retry: 1 });
    const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    await eventually(async () => (await execution(t, run.body.id)).start_time !== null, 'the run to start');

    // The leader goes; the agent is cut off and its run ends (exit 0) while it is away.
    await t.server.scheduler.stop();
    proxy.cut();
    await eventually(async () => !t.server.gateway.isConnected(id), 'the agent to be away');
    writeFileSync(go, '');
    await eventually(async () => client.agent.runningIds().length === 0, 'its run to end while away');
    await rawDatabase(t.server.store)
      .db.updateTable('executors')
      .set({ last_heartbeat: Date.now() - 60_000 })
      .where('id', '=', id)
      .execute();

    // A leader takes over: its first sweeps come before the agent could reconnect.
    await t.server.scheduler.start();
    assert.equal(t.server.scheduler.isLeader, true);
    await t.server.scheduler.sweeps.sweep();
    assert.equal((await execution(t, run.body.id)).status, 'running', 'not judged lost during the reconnect grace');

    proxy.restore();
    const done = await finished(t, run.body.id);
    assert.equal(done.status, 'success', JSON.stringify(done));
    assert.equal((await runsOf(t, task.body.id)).length, 1, 'no retry');
    assert.equal((await executorNamed(t, 'returning'))!.status, 'online');
  });
});

describe('the loss sweep across a database outage', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-outage-'));
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await removeTestData(dataDir);
  });

  it('heartbeats that could not be written are not taken for a lost executor', async () => {
    // The leader sweeps; the agent is held by the follower, whose heartbeat writes fail.
    const env = { CRONFLEET_HEARTBEAT_INTERVAL_SECONDS: '1', CRONFLEET_LEASE_TTL_SECONDS: '30', CRONFLEET_LEASE_RENEW_SECONDS: '0.5', CRONFLEET_SECRET_KEY: randomBytes(32).toString('base64') };
    const leader = await startTestServer({ dataDir, executor: false, env: { ...env, CRONFLEET_INSTANCE_ID: 'leader' } });
    cleanups.push(() => leader.close({ keepData: true }));
    const follower = await startTestServer({ dataDir, executor: false, env: { ...env, CRONFLEET_INSTANCE_ID: 'follower', CRONFLEET_ADMIN_TOKEN: leader.token } });
    cleanups.push(() => follower.close({ keepData: true }));
    assert.equal(leader.server.scheduler.isLeader, true);
    const client = agentClient([follower.url], await executorToken(leader), 'steady');
    cleanups.push(() => client.stop());
    await client.welcomed();
    const id = (await executorNamed(leader, 'steady'))!.id;
    // The run lasts until the test is done with the outage (a fixed sleep ended first on a loaded machine).
    const release = join(dataDir, 'outage-over');
    const task = await leader.request('POST', '/api/v1/tasks', { name: 'through-the-outage', command: 'sh', args: ['-c', `while [ ! -e '${release}' ]; do sleep 0.1; done; echo survived`], max_retry: 1 });
    const run = await leader.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    await eventually(async () => (await execution(leader, run.body.id)).start_time !== null, 'the run to start');

    // The outage: no heartbeat is written, and the leader's sweeps cannot read either.
    const heartbeats = failFirst(follower.server.store.executors, 'heartbeat', Infinity);
    const sweepReads = failFirst(leader.server.store.executions, 'overdue', Infinity);
    await eventually(async () => sweepReads.counts.failed > 0 && ((await leader.server.store.executors.get(id))!.lastHeartbeat ?? 0) < Date.now() - 2500, 'heartbeats to be older than the loss window');

    // The leader reaches the database again first; a sweep completes before heartbeats are written again.
    sweepReads.restore();
    const sweeps = leader.server.scheduler.sweeps;
    const sweep = sweeps.sweep.bind(sweeps);
    let completed = 0;
    sweeps.sweep = async () => {
      await sweep();
      completed += 1;
    };
    await eventually(async () => completed > 0, 'a sweep after the outage');
    heartbeats.restore();

    assert.equal((await execution(leader, run.body.id)).status, 'running', 'not judged lost');
    writeFileSync(release, '');
    assert.equal((await finished(leader, run.body.id)).status, 'success');
    assert.equal((await runsOf(leader, task.body.id)).length, 1);
    assert.equal((await executorNamed(leader, 'steady'))!.status, 'online');
  });
});
