// The executor protocol refuses bad frames with an error frame, and both sides keep running.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseServerMessage } from '../../src/protocol/executor-validation.ts';
import type { TestServer } from '../helpers/server.ts';
import { executorToken, helloFrame, rawExecutor, startFleetServer } from './helpers.ts';

const hello = (name: string) => JSON.stringify(helloFrame(name));

describe('executor protocol under bad input', () => {
  let t: TestServer;
  let token: string;
  before(async () => {
    t = await startFleetServer();
    token = await executorToken(t);
  });
  after(() => t.close());

  it('malformed, unknown and oversized frames get an error frame and the connection stays usable', async () => {
    const client = await rawExecutor(t.url, token);
    assert.equal((await client.exchange(hello('raw-1'))).action, 'welcome');
    for (const bad of ['not json', '[]', '{}', '{"action":"dance"}', '{"action":"log","execution_id":5}', JSON.stringify({ action: 'task_update', task_id: 'x', data: { status: 'exploded' } })]) {
      const reply = await client.exchange(bad);
      assert.equal(reply.action, 'error', bad);
      assert.equal(reply.code, 'invalid_request', bad);
    }
    const huge = await client.exchange(JSON.stringify({ action: 'log', execution_id: 'x', seq: 1, stream: 'stdout', chunk: 'x'.repeat(2 * 1024 * 1024) }));
    assert.equal(huge.action, 'error');
    assert.match(huge.message, /over the .* limit/);
    assert.equal(client.socket.readyState, WebSocket.OPEN);
    const health = await fetch(`${t.url}/healthz`);
    assert.equal(health.status, 200);
    client.socket.close();
  });

  it('out-of-order frames are refused: reports before hello, a second hello, reports about executions of others', async () => {
    const client = await rawExecutor(t.url, token);
    const early = await client.exchange(JSON.stringify({ action: 'heartbeat', running: [] }));
    assert.equal(early.code, 'unauthorized');
    assert.equal(await client.closed, 4000);

    const second = await rawExecutor(t.url, token);
    await second.exchange(hello('raw-2'));
    assert.equal((await second.exchange(hello('raw-2'))).code, 'invalid_request');
    const foreign = await second.exchange(JSON.stringify({ action: 'task_update', task_id: '01a00000-0000-7000-8000-000000000000', attempt: 1, data: { status: 'success' } }));
    assert.match(foreign.message, /not assigned to this executor/);
    const foreignLog = await second.exchange(JSON.stringify({ action: 'log', execution_id: '01a00000-0000-7000-8000-000000000000', seq: 1, stream: 'stdout', chunk: 'hi' }));
    assert.match(foreignLog.message, /not assigned to this executor/);
    assert.equal(second.socket.readyState, WebSocket.OPEN);
    second.socket.close();
  });

  it('a connection without a valid executor token is refused', async () => {
    const anonymous = await rawExecutor(t.url, null);
    assert.equal((await anonymous.exchange(hello('anon'))).code, 'unauthorized');
    assert.equal(await anonymous.closed, 4000);
    const adminTokenIsNotAnExecutorToken = await rawExecutor(t.url, t.token);
    assert.equal((await adminTokenIsNotAnExecutorToken.exchange(hello('admin'))).code, 'unauthorized');
  });

  it('the agent side refuses malformed server frames without throwing past the parser', () => {
    for (const bad of ['nope', '{"action":"run"}', '{"action":"run","tasks":[{"id":"a"}]}', '{"action":"welcome"}', '{"action":"reboot"}']) {
      assert.throws(() => parseServerMessage(bad), { code: 'invalid_request' }, bad);
    }
  });
});
