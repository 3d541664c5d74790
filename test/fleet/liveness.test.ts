// Both ends of an executor link check that the other is alive (WebSocket ping/pong with a
// deadline): a dead link is ended without waiting for a close handshake nobody answers,
// the server judges the executor lost, and the agent moves on to its next server.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';
import { livenessDeadlineMs, livenessPingMs, lossWindowMs } from '../../src/protocol/executor-messages.ts';
import { removeTestData } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { eventually } from '../scheduler/helpers.ts';
import {
  agentClient,
  type AgentProcess,
  cleanupsAfter,
  execution,
  executorNamed,
  executorToken,
  FAST_HEARTBEAT,
  helloFrame,
  lostThenRetried,
  rawExecutor,
  startAgent,
  startedFailoverRun,
  startFleetServer,
} from './helpers.ts';

// This process's own: lanes run side by side, and the cleanup kills whatever holds the mark.
const MARK = `cronfleet-liveness-test-sleep-pid${process.pid}-`;

describe('executor link liveness', () => {
  it('with the default heartbeat interval, a dead link ends and a silent executor is judged within 15 s', () => {
    const heartbeatMs = loadConfig({ env: {}, file: undefined }).heartbeatIntervalSeconds * 1000;
    const sweepEveryMs = heartbeatMs / 2; // scheduler.ts
    assert.ok(livenessDeadlineMs(heartbeatMs) + sweepEveryMs <= 15_000);
    assert.ok(lossWindowMs(heartbeatMs) + sweepEveryMs <= 15_000);
    assert.ok(livenessDeadlineMs(heartbeatMs) >= 2 * livenessPingMs(heartbeatMs), 'one lost ping or pong is tolerated');
    // A cut-off agent leaves the dead link (and can reach another server) before it is judged:
    // its last stored heartbeat may be one interval older than the last frame it heard.
    assert.ok(heartbeatMs + livenessDeadlineMs(heartbeatMs) + 1000 <= lossWindowMs(heartbeatMs));
  });

  const cleanups = cleanupsAfter(MARK);

  async function fleet(): Promise<TestServer> {
    const t = await startFleetServer();
    cleanups.push(() => t.close());
    return t;
  }

  async function proxyTo(url: string): Promise<TcpProxy> {
    const proxy = createTcpProxy(url);
    await proxy.start();
    cleanups.push(() => proxy.stop());
    return proxy;
  }

  it('the server ends a link that answers no ping and sends nothing, and the executor goes offline', async () => {
    const t = await fleet();
    const silent = await rawExecutor(t.url, await executorToken(t), { autoPong: false });
    silent.send(helloFrame('mute'));
    const welcome = await silent.next((frame) => frame.action === 'welcome');
    await silent.closed;
    await eventually(async () => !t.server.gateway.isConnected(welcome.executor_id), 'the server to let go of the link');
    await eventually(async () => (await executorNamed(t, 'mute'))?.status === 'offline', 'the silent executor to go offline');
  });

  it('the server drops a link that went dark without waiting for a close handshake, and fails its run as executor_lost', async () => {
    const t = await fleet();
    const proxy = await proxyTo(t.url);
    const token = await executorToken(t);
    const agents: AgentProcess[] = [];
    cleanups.push(async () => {
      for (const agent of agents) await agent.kill('SIGKILL');
    });
    agents.push(await startAgent(t, token, 'dark', { servers: [proxy.url] }));
    const task = await t.request('POST', '/api/v1/tasks', { name: 'in-the-dark', command: 'sh', args: ['-c', `sleep 30 # ${MARK}`], executors: [{ executor: 'dark' }] });
    const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    await eventually(async () => (await execution(t, run.body.id)).start_time !== null, 'the run to start');
    const id = (await executorNamed(t, 'dark'))!.id;
    const dropped = t.server.events.wait('executor.disconnected', ({ executorId }) => executorId === id);

    proxy.blackhole();
    await dropped;
    const lost = await eventually(async () => {
      const current = await execution(t, run.body.id);
      return current.status !== 'running' ? current : undefined;
    }, 'the run to be declared lost');
    assert.equal(lost.reason, 'executor_lost', JSON.stringify(lost));
    assert.equal((await executorNamed(t, 'dark'))!.status, 'offline');

    // The agent also gave up the dead link: once the path works again it is back online.
    proxy.restore();
    await eventually(async () => (await executorNamed(t, 'dark'))?.status === 'online' && t.server.gateway.isConnected(id), 'the agent to come back', 30_000);
  });

  it('a SIGSTOPped agent is judged lost and its run retried elsewhere; resumed, it is online again', async () => {
    const t = await fleet();
    const token = await executorToken(t);
    const agents: AgentProcess[] = [];
    cleanups.push(async () => {
      for (const agent of agents) {
        agent.child.kill('SIGCONT');
        await agent.kill('SIGKILL');
      }
    });
    agents.push(await startAgent(t, token, 'frozen'));
    agents.push(await startAgent(t, token, 'spare'));
    // Long enough to outlast the steps between its start and the SIGSTOP on a loaded machine:
    // with `sleep 1`, a CI run saw the run end (success) before the agent was frozen.
    const { taskId, runId } = await startedFailoverRun(t, 'freezer', 'frozen', 'spare', `sleep 5 # ${MARK}`);
    const frozenId = (await executorNamed(t, 'frozen'))!.id;

    agents[0]!.child.kill('SIGSTOP');
    const { lost, retry } = await lostThenRetried(t, taskId, runId);
    assert.equal(lost.reason, 'executor_lost');
    assert.equal(retry.executor_id, (await executorNamed(t, 'spare'))!.id);

    agents[0]!.child.kill('SIGCONT');
    await eventually(async () => (await executorNamed(t, 'frozen'))?.status === 'online' && t.server.gateway.isConnected(frozenId), 'the resumed agent to be online', 30_000);
  });
});

describe('agent failover', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-failover-'));
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await removeTestData(dataDir);
  });

  it('an agent whose link to the first server is blackholed fails over to the second', async () => {
    // Two instances of one cluster (one database, one secret key).
    const env = { ...FAST_HEARTBEAT, CRONFLEET_LEASE_TTL_SECONDS: '2', CRONFLEET_LEASE_RENEW_SECONDS: '0.5', CRONFLEET_SECRET_KEY: randomBytes(32).toString('base64') };
    const first = await startTestServer({ dataDir, executor: false, env: { ...env, CRONFLEET_INSTANCE_ID: 'first' } });
    cleanups.push(() => first.close({ keepData: true }));
    const second = await startTestServer({ dataDir, executor: false, env: { ...env, CRONFLEET_INSTANCE_ID: 'second', CRONFLEET_ADMIN_TOKEN: first.token } });
    cleanups.push(() => second.close({ keepData: true }));
    const proxy = createTcpProxy(first.url);
    await proxy.start();
    cleanups.push(() => proxy.stop());

    const client = agentClient([proxy.url, second.url], await executorToken(first), 'roamer');
    cleanups.push(() => client.stop());
    await client.welcomed();
    const id = (await executorNamed(first, 'roamer'))!.id;
    assert.equal(first.server.gateway.isConnected(id), true);

    proxy.blackhole();
    await eventually(async () => second.server.gateway.isConnected(id), 'the agent to fail over to the second server', 30_000);
    assert.equal(first.server.gateway.isConnected(id), false);

    const task = await second.request('POST', '/api/v1/tasks', { name: 'after-failover', command: 'echo', args: ['moved'], executors: [{ executor: 'roamer' }] });
    const run = await second.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    const done = await eventually(async () => {
      const current = await execution(second, run.body.id);
      return current.status === 'success' ? current : undefined;
    }, 'a run on the failed-over agent');
    assert.equal(done.executor_id, id);
  });
});
