// Signed HTTP-executor messages are valid once, for one execution and one kind of
// message: a captured callback cannot be sent again (to this instance or another one of
// the cluster), moved to another execution of the same executor, or sent late; a push
// carries its own nonce and a signature that holds only for its route and execution.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { signedHeaders as sdkSignedHeaders } from '../../src/sdk/index.ts';
import { removeTestData } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { HttpExecutorHarness, signature, type RunRequest } from './http-executor-harness.ts';

describe('signed HTTP-executor messages', () => {
  let dataDir: string;
  let t: TestServer;
  let executor: HttpExecutorHarness;
  const others: TestServer[] = [];

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-signed-'));
    t = await startTestServer({ executor: false, dataDir, env: { CRONFLEET_INSTANCE_ID: 'signed-first' } });
    executor = await HttpExecutorHarness.start();
    const registered = await t.request('POST', '/api/v1/executors/register', executor.registration('dp-001'));
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    executor.adopt(registered.body);
    executor.outcome = () => null; // each test reports itself
  });
  afterEach(async () => {
    await executor.close();
    for (const other of others.splice(0)) await other.close({ keepData: true });
    await t.close({ keepData: true });
    await removeTestData(dataDir);
  });

  async function runningExecution(name = 'sync'): Promise<RunRequest> {
    const task = await t.request('POST', '/api/v1/tasks', { name, handler: 'sync' });
    assert.equal(task.status, 201, JSON.stringify(task.body));
    const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    assert.equal(triggered.status, 202);
    return executor.run(triggered.body.id);
  }

  const execution = async (id: string) => (await t.request('GET', `/api/v1/executions/${id}`)).body;
  const logCount = async (id: string) => (await t.request('GET', `/api/v1/executions/${id}/logs`)).body.items.length;

  it('refuses a callback sent again with 409 replayed_request and applies it once', async () => {
    const run = await runningExecution();
    const first = await executor.callback(run, { status: 'running', logs: 'step 1\n' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const replayed = await executor.send(run.callback_url, JSON.stringify({ status: 'running', logs: 'step 1\n' }), first.headers);
    assert.equal(replayed.status, 409);
    assert.equal(replayed.body.error.code, 'replayed_request');
    assert.equal(await logCount(run.id), 1, 'the replayed logs were not appended');
    assert.equal((await execution(run.id)).status, 'running');
  });

  it('refuses a replay sent to another instance of the cluster', async () => {
    const second = await startTestServer({ executor: false, dataDir, env: { CRONFLEET_INSTANCE_ID: 'signed-second', CRONFLEET_ADMIN_TOKEN: t.token } });
    others.push(second);
    const run = await runningExecution();
    const body = { status: 'running', logs: 'once\n' };
    const accepted = await executor.callback(run, body);
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    const elsewhere = await executor.send(`${second.url}/api/v1/executions/${run.id}/callback`, JSON.stringify(body), accepted.headers);
    assert.equal(elsewhere.status, 409);
    assert.equal(elsewhere.body.error.code, 'replayed_request');
    assert.equal(await logCount(run.id), 1);
  });

  it('refuses a valid callback signature moved to another execution of the same executor', async () => {
    const first = await runningExecution('first');
    const second = await runningExecution('second');
    // A report signed for `first`, its headers and body sent unchanged to `second`'s callback URL.
    const signedForFirst = { 'content-type': 'application/json', ...fakeCapture(executor, first.id, '{"status":"success"}') };
    const moved = await executor.send(second.callback_url, '{"status":"success"}', signedForFirst);
    assert.equal(moved.status, 401);
    assert.equal(moved.body.error.code, 'unauthorized');
    assert.equal((await execution(second.id)).status, 'running');
    // The same headers are still good for the execution they were made for.
    assert.equal((await executor.send(first.callback_url, '{"status":"success"}', signedForFirst)).status, 200);
    assert.equal((await execution(first.id)).status, 'success');
  });

  it('refuses a callback whose timestamp is outside the five-minute window, before and after', async () => {
    const run = await runningExecution();
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 301 - 5, now + 301 + 5, 0]) {
      const refused = await executor.callback(run, { status: 'success' }, { timestamp });
      assert.equal(refused.status, 401, `timestamp ${timestamp}`);
      assert.equal(refused.body.error.code, 'unauthorized');
    }
    assert.equal((await execution(run.id)).status, 'running');
  });

  it("accepts a callback signed with the SDK's helper, which agrees with the README's recipe", async () => {
    const run = await runningExecution();
    const body = JSON.stringify({ status: 'success' });
    const headers = sdkSignedHeaders(executor.secret, { route: 'callback', executorId: executor.executorId, executionId: run.id, body });
    const nonce = headers['x-cronfleet-nonce']!;
    const timestamp = Number(headers['x-cronfleet-timestamp']);
    assert.equal(headers['x-cronfleet-signature'], signature(executor.secret, { route: 'callback', executorId: executor.executorId, executionId: run.id, timestamp, nonce, rawBody: body }));
    const response = await executor.send(run.callback_url, body, { 'content-type': 'application/json', ...headers });
    assert.equal(response.status, 200, JSON.stringify(response.body));
  });

  it('remembers a nonce per executor until it expires, then forgets it', async () => {
    const nonces = t.server.store.callbackNonces;
    const expiresAt = Date.now() + 600_000;
    assert.equal(await nonces.remember('executor-a', 'Nonce-0123456789abcdef', expiresAt), true);
    assert.equal(await nonces.remember('executor-a', 'Nonce-0123456789abcdef', expiresAt), false, 'seen before');
    assert.equal(await nonces.remember('executor-a', 'nonce-0123456789ABCDEF', expiresAt), false, 'the same nonce in other case, on every database');
    assert.equal(await nonces.remember('executor-b', 'Nonce-0123456789abcdef', expiresAt), true, "another executor's");
    assert.equal(await nonces.purgeExpired(expiresAt), 0, 'kept until it expires');
    assert.equal(await nonces.purgeExpired(expiresAt + 1), 2);
    assert.equal(await nonces.remember('executor-a', 'Nonce-0123456789abcdef', expiresAt), true, 'forgotten once expired');
  });

  it('signs each push with a new nonce, valid only for its own route and execution', async () => {
    const run = await runningExecution('first');
    const other = await runningExecution('second');
    assert.equal((await t.request('POST', `/api/v1/executions/${run.id}/stop`)).status, 202);
    await executor.stopOf(run.id);
    assert.deepEqual(executor.refusedPushes, [], 'the harness verified every push');
    const pushes = executor.pushes;
    assert.deepEqual(pushes.map((push) => push.route).sort(), ['run', 'run', 'stop']);
    assert.equal(new Set(pushes.map((push) => push.headers['x-cronfleet-nonce'])).size, pushes.length, 'one nonce per push');
    const runPush = pushes.find((push) => push.route === 'run' && JSON.parse(push.rawBody).id === run.id)!;
    const h = runPush.headers;
    const parts = { executorId: executor.executorId, executionId: run.id, timestamp: Number(h['x-cronfleet-timestamp']), nonce: h['x-cronfleet-nonce']!, rawBody: runPush.rawBody };
    assert.equal(h['x-cronfleet-signature'], signature(executor.secret, { route: 'run', ...parts }));
    assert.notEqual(h['x-cronfleet-signature'], signature(executor.secret, { route: 'stop', ...parts }), 'not valid as a /stop');
    assert.notEqual(h['x-cronfleet-signature'], signature(executor.secret, { route: 'run', ...parts, executionId: other.id }), 'not valid for another execution');
  });
});

/** Headers as an eavesdropper would capture them from a callback about `executionId`. */
function fakeCapture(executor: HttpExecutorHarness, executionId: string, rawBody: string): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const nonce = 'captured-nonce-0123456789';
  return {
    'x-cronfleet-executor': executor.executorId,
    'x-cronfleet-timestamp': String(timestamp),
    'x-cronfleet-nonce': nonce,
    'x-cronfleet-signature': signature(executor.secret, { route: 'callback', executorId: executor.executorId, executionId, timestamp, nonce, rawBody }),
  };
}
