// An executor's identity belongs to the credential that enrolled it: no other token, and
// no second connection, can take it over; the built-in executor cannot be claimed over
// the network and comes back by itself.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, describe, it } from 'node:test';
import type { TestServer } from '../helpers/server.ts';
import { startTestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { agentClient, execution, executorNamed, executorToken, FAST_HEARTBEAT, helloFrame, rawExecutor, startFleetServer } from './helpers.ts';
import { rawDatabase } from '../../src/store/raw-database.ts';

describe('executor identity', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function fleet(): Promise<TestServer> {
    const t = await startFleetServer();
    cleanups.push(() => t.close());
    return t;
  }

  /** A run of `sleep` on the named executor, started. */
  async function longRun(t: TestServer, executor: string, seconds: number): Promise<string> {
    const task = await t.request('POST', '/api/v1/tasks', { name: `hold-${executor}-${Date.now()}`, command: 'sleep', args: [String(seconds)], executors: [{ executor }], max_retry: 1 });
    assert.equal(task.status, 201, JSON.stringify(task.body));
    const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    await eventually(async () => (await execution(t, run.body.id)).start_time !== null, 'the run to start', 60_000);
    return run.body.id;
  }

  it("a hello with another executor's instance_id and another token is refused; the real executor keeps its run", async () => {
    const t = await fleet();
    const real = agentClient([t.url], await executorToken(t, 'real'), 'victim');
    cleanups.push(() => real.stop());
    await real.welcomed();
    const runId = await longRun(t, 'victim', 2);
    const victim = (await executorNamed(t, 'victim'))!;

    const impostor = await rawExecutor(t.url, await executorToken(t, 'other'));
    impostor.send(helloFrame('victim', 'impostor'));
    const refusal = await impostor.next((frame) => frame.action === 'error');
    assert.equal(refusal.code, 'forbidden');
    await impostor.closed;
    assert.equal(
      impostor.frames.some((frame) => frame.action === 'welcome' || frame.action === 'run'),
      false,
    );

    const after = (await executorNamed(t, 'victim'))!;
    assert.equal(after.id, victim.id);
    assert.equal(t.server.gateway.isConnected(victim.id), true);
    assert.equal(await executorNamed(t, 'impostor'), undefined, 'not renamed');
    const ended = await eventually(async () => {
      const run = await execution(t, runId);
      return run.status !== 'running' ? run : undefined;
    }, 'the run to end');
    assert.equal(ended.status, 'success', JSON.stringify(ended));
    const audit = (await t.request('GET', '/api/v1/audit?action=executor.hello_refused')).body.items as Array<Record<string, any>>;
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.resource_id, victim.id);
  });

  it('the same token cannot open a second live connection for an identity; a reconnect after the first closes is accepted', async () => {
    const t = await fleet();
    const token = await executorToken(t);
    const first = await rawExecutor(t.url, token);
    first.send(helloFrame('twice'));
    await first.next((frame) => frame.action === 'welcome');

    const second = await rawExecutor(t.url, token);
    second.send(helloFrame('twice'));
    assert.equal((await second.next((frame) => frame.action === 'error')).code, 'conflict');
    await second.closed;
    assert.equal(first.socket.readyState, first.socket.OPEN);

    first.socket.close();
    await first.closed;
    const again = await rawExecutor(t.url, token);
    again.send(helloFrame('twice'));
    assert.equal((await again.next((frame) => frame.action === 'welcome' || frame.action === 'error')).action, 'welcome');
    again.socket.close();
  });

  it('a link held by another live server is respected, and one held by a server that stopped beating (killed) is not waited for', async () => {
    const t = await fleet();
    const token = await executorToken(t);
    const agent = await rawExecutor(t.url, token);
    agent.send(helloFrame('moved'));
    const { executor_id: id } = await agent.next((frame) => frame.action === 'welcome');
    agent.socket.close();
    await agent.closed;
    // As another server records it when it holds the link: beating, and the executor's heartbeat fresh.
    const db = rawDatabase(t.server.store).db;
    const claimedBy = async (holder: string) => db.updateTable('executors').set({ connected_to: holder, last_heartbeat: Date.now() }).where('id', '=', id).execute();
    const now = await t.server.store.now();
    await db.insertInto('scheduler_instances').values({ id: 'peer-alive', hostname: 'peer', pid: 1, version: 'test', address: null, started_at: now, last_heartbeat: now }).execute();
    await claimedBy('peer-alive');
    const refused = await rawExecutor(t.url, token);
    refused.send(helloFrame('moved'));
    assert.equal((await refused.next((frame) => frame.action === 'error')).code, 'conflict');
    await refused.closed;
    // Its server was killed: no instance row beats for it any more.
    await claimedBy('peer-killed');
    const welcomed = await rawExecutor(t.url, token);
    welcomed.send(helloFrame('moved'));
    assert.equal((await welcomed.next((frame) => frame.action === 'welcome' || frame.action === 'error')).action, 'welcome');
    welcomed.socket.close();
  });

  it('reports naming another executor or its executions are refused', async () => {
    const t = await fleet();
    const token = await executorToken(t);
    const owner = agentClient([t.url], token, 'owner');
    cleanups.push(() => owner.stop());
    await owner.welcomed();
    const runId = await longRun(t, 'owner', 1);
    const ownerId = (await executorNamed(t, 'owner'))!.id;

    const other = await rawExecutor(t.url, token);
    other.send(helloFrame('bystander'));
    const welcome = await other.next((frame) => frame.action === 'welcome');
    const errors = () => other.frames.filter((frame) => frame.action === 'error');
    const forged = [
      { action: 'task_update', worker_id: ownerId, task_id: runId, attempt: 1, data: { status: 'failed', error: 'forged' } },
      { action: 'task_update', worker_id: welcome.executor_id, task_id: runId, attempt: 1, data: { status: 'failed', error: 'forged' } },
      { action: 'task_update', worker_id: welcome.executor_id, task_id: runId, attempt: 1, data: { status: 'running' } },
      { action: 'log', execution_id: runId, seq: 99, stream: 'stdout', chunk: 'forged' },
    ];
    for (const [index, message] of forged.entries()) {
      other.send(message);
      await eventually(async () => errors().length > index, `a refusal of ${JSON.stringify(message)}`);
      assert.equal(errors()[index]!.code, 'invalid_request');
    }
    other.socket.close();

    const ended = await eventually(async () => {
      const run = await execution(t, runId);
      return run.status !== 'running' ? run : undefined;
    }, 'the run to end');
    assert.equal(ended.status, 'success');
    const logs = (await t.request('GET', `/api/v1/executions/${runId}/logs`)).body.items as Array<{ chunk: string }>;
    assert.equal(
      logs.some((item) => item.chunk.includes('forged')),
      false,
    );
  });

  it('a revoked executor token: its live connections are closed', async () => {
    const t = await fleet();
    const created = await t.request('POST', '/api/v1/executor-tokens', { name: 'to-revoke' });
    const agent = await rawExecutor(t.url, created.body.token);
    agent.send(helloFrame('revoked-agent'));
    await agent.next((frame) => frame.action === 'welcome');
    assert.equal((await t.request('DELETE', `/api/v1/executor-tokens/${created.body.id}`)).status, 204);
    assert.equal((await agent.next((frame) => frame.action === 'error')).code, 'unauthorized');
    await agent.closed;
  });

  it('an executor token made by an admin stops working when that admin is demoted or disabled (one made with the admin token does not)', async () => {
    const t = await fleet();
    const password = 'correct-horse-battery';
    /** An executor token made by a new admin user, through that user's own session. */
    const tokenMadeBy = async (username: string) => {
      const user = await t.request('POST', '/api/v1/users', { username, password, role: 'admin' });
      assert.equal(user.status, 201, JSON.stringify(user.body));
      const login = await fetch(`${t.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
      const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      const created = await fetch(`${t.url}/api/v1/executor-tokens`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ name: `by-${username}` }) });
      assert.equal(created.status, 201);
      const body = (await created.json()) as { token: string; created_by: string };
      assert.equal(body.created_by, user.body.id);
      return { userId: user.body.id as string, token: body.token };
    };
    const welcomed = async (token: string, instanceId: string) => {
      const agent = await rawExecutor(t.url, token);
      agent.send(helloFrame(instanceId));
      const answer = await agent.next((frame) => frame.action === 'welcome' || frame.action === 'error');
      return { agent, answer };
    };
    const adminToken = await executorToken(t, 'by-admin-token');
    const adminMade = await welcomed(adminToken, 'kept-agent');
    assert.equal(adminMade.answer.action, 'welcome');
    // It beats too, so its credential is checked again while the others lose theirs.
    const keptBeat = setInterval(() => adminMade.agent.send({ action: 'heartbeat', running: [] }), 100);

    const demoted = await tokenMadeBy('ops-lead');
    const first = await welcomed(demoted.token, 'demoted-maker-agent');
    assert.equal(first.answer.action, 'welcome');
    assert.equal((await t.request('PUT', `/api/v1/users/${demoted.userId}`, { role: 'operator' })).status, 200);
    // Credentials are checked again on heartbeats (at most once per interval).
    const beat = setInterval(() => first.agent.send({ action: 'heartbeat', running: [] }), 100);
    await first.agent.closed.finally(() => clearInterval(beat));
    assert.equal((await welcomed(demoted.token, 'demoted-maker-agent')).answer.action, 'error');

    const disabled = await tokenMadeBy('night-shift');
    assert.equal((await t.request('PUT', `/api/v1/users/${disabled.userId}`, { disabled: true })).status, 200);
    assert.equal((await welcomed(disabled.token, 'disabled-maker-agent')).answer.action, 'error');

    clearInterval(keptBeat);
    // Judged by what the server said, not by the link: a loaded machine may drop a link for silence.
    assert.deepEqual(
      adminMade.agent.frames.filter((frame) => frame.action === 'error'),
      [],
    );
    const again = await welcomed(adminToken, 'kept-agent-again');
    assert.equal(again.answer.action, 'welcome');
    for (const { agent } of [adminMade, again]) agent.socket.close();
  });
});

describe('the built-in executor', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function withLocal(): Promise<{ t: TestServer; localId: string }> {
    const t = await startTestServer({ env: FAST_HEARTBEAT });
    cleanups.push(() => t.close());
    const local = (await t.request('GET', '/api/v1/executors')).body.items[0];
    assert.equal(local.instance_id ?? `local@${hostname()}`, `local@${hostname()}`);
    return { t, localId: local.id };
  }

  async function runsOnce(t: TestServer): Promise<Record<string, any>> {
    const task = await t.request('POST', '/api/v1/tasks', { name: `probe-${Date.now()}`, command: 'echo', args: ['ok'] });
    const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    return eventually(async () => {
      const current = await execution(t, run.body.id);
      return current.status !== 'pending' && current.status !== 'running' ? current : undefined;
    }, 'the probe run to end');
  }

  it('cannot be claimed over the network, with any token', async () => {
    const { t, localId } = await withLocal();
    const impostor = await rawExecutor(t.url, await executorToken(t));
    impostor.send(helloFrame(`local@${hostname()}`, 'impostor'));
    assert.equal((await impostor.next((frame) => frame.action === 'error')).code, 'forbidden');
    await impostor.closed;
    // Nor a neighbour's: the whole local@ space is the built-in executors'.
    const neighbour = await rawExecutor(t.url, await executorToken(t, 'n'));
    neighbour.send(helloFrame('local@another-host'));
    assert.equal((await neighbour.next((frame) => frame.action === 'error')).code, 'forbidden');
    assert.equal(t.server.gateway.isConnected(localId), true);
    assert.equal((await runsOnce(t)).status, 'success');
  });

  it('keeps its link over many heartbeats: the in-process pipe carries no pings and is never judged silent', async () => {
    // An interval at the deadline's floor (1 s): a heartbeat every interval is as late as the deadline itself.
    const t = await startTestServer({ env: { CRONFLEET_HEARTBEAT_INTERVAL_SECONDS: '1' } });
    cleanups.push(() => t.close());
    const localId = (await t.request('GET', '/api/v1/executors')).body.items[0].id as string;
    const drops: unknown[] = [];
    const off = t.server.events.on('executor.disconnected', (event) => drops.push(event));
    const beats = new Set<string>();
    await eventually(async () => {
      beats.add((await executorNamed(t, (await t.request('GET', '/api/v1/executors')).body.items[0].name))!.last_heartbeat);
      return beats.size >= 5;
    }, 'five heartbeats of the built-in executor');
    off();
    assert.deepEqual(drops, []);
    assert.equal(t.server.gateway.isConnected(localId), true);
  });

  it('attaches again by itself after the gateway ends its link', async () => {
    const { t, localId } = await withLocal();
    for (let round = 0; round < 2; round++) {
      const dropped = t.server.events.wait('executor.disconnected', ({ executorId }) => executorId === localId);
      const back = t.server.events.wait('executor.connected', ({ executorId }) => executorId === localId);
      assert.equal(t.server.gateway.disconnect(localId, 'forced by the test'), true);
      await dropped;
      await back;
      await eventually(async () => t.server.gateway.isConnected(localId) && t.executor!.attached, 'the built-in executor to attach again');
    }
    assert.equal((await runsOnce(t)).status, 'success');
  });
});
