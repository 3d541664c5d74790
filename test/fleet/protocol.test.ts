// The executor protocol refuses bad frames with an error frame, and both sides keep running.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { socketUrl } from '../../src/executor/client.ts';
import { parseServerMessage } from '../../src/protocol/executor-validation.ts';
import type { TestServer } from '../helpers/server.ts';
import { executorToken, startFleetServer } from './helpers.ts';

interface Frame {
  action: string;
  code?: string;
  message?: string;
}

/** A raw WebSocket client that records every frame it receives. */
async function rawClient(t: TestServer, token: string | null) {
  const socket = new WebSocket(socketUrl(t.url), token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const frames: Frame[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data: Buffer) => {
    frames.push(JSON.parse(data.toString()) as Frame);
    for (const waiter of waiters.splice(0)) waiter();
  });
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    closed,
    /** Sends a frame and waits for the next frame back. */
    async exchange(data: string | Buffer): Promise<Frame> {
      const count = frames.length;
      socket.send(data);
      while (frames.length === count) await new Promise<void>((resolve) => waiters.push(resolve));
      return frames[count]!;
    },
  };
}

const hello = (name: string) => JSON.stringify({ action: 'hello', name, instance_id: name, labels: {}, capacity: 1, runners: ['command'], running: [], protocol_version: 1, version: 'test' });

describe('executor protocol under bad input', () => {
  let t: TestServer;
  let token: string;
  before(async () => {
    t = await startFleetServer();
    token = await executorToken(t);
  });
  after(() => t.close());

  it('malformed, unknown and oversized frames get an error frame and the connection stays usable', async () => {
    const client = await rawClient(t, token);
    assert.equal((await client.exchange(hello('raw-1'))).action, 'welcome');
    for (const bad of ['not json', '[]', '{}', '{"action":"dance"}', '{"action":"log","execution_id":5}', JSON.stringify({ action: 'task_update', task_id: 'x', data: { status: 'exploded' } })]) {
      const reply = await client.exchange(bad);
      assert.equal(reply.action, 'error', bad);
      assert.equal(reply.code, 'invalid_request', bad);
    }
    const huge = await client.exchange(JSON.stringify({ action: 'log', execution_id: 'x', seq: 1, stream: 'stdout', chunk: 'x'.repeat(2 * 1024 * 1024) }));
    assert.equal(huge.action, 'error');
    assert.match(huge.message!, /over the .* limit/);
    assert.equal(client.socket.readyState, WebSocket.OPEN);
    const health = await fetch(`${t.url}/healthz`);
    assert.equal(health.status, 200);
    client.socket.close();
  });

  it('out-of-order frames are refused: reports before hello, a second hello, reports about executions of others', async () => {
    const client = await rawClient(t, token);
    const early = await client.exchange(JSON.stringify({ action: 'heartbeat', running: [] }));
    assert.equal(early.code, 'unauthorized');
    assert.equal(await client.closed, 4000);

    const second = await rawClient(t, token);
    await second.exchange(hello('raw-2'));
    assert.equal((await second.exchange(hello('raw-2'))).code, 'invalid_request');
    const foreign = await second.exchange(JSON.stringify({ action: 'task_update', task_id: '01a00000-0000-7000-8000-000000000000', attempt: 1, data: { status: 'success' } }));
    assert.match(foreign.message!, /not assigned to this executor/);
    const foreignLog = await second.exchange(JSON.stringify({ action: 'log', execution_id: '01a00000-0000-7000-8000-000000000000', seq: 1, stream: 'stdout', chunk: 'hi' }));
    assert.match(foreignLog.message!, /not assigned to this executor/);
    assert.equal(second.socket.readyState, WebSocket.OPEN);
    second.socket.close();
  });

  it('a connection without a valid executor token is refused', async () => {
    const anonymous = await rawClient(t, null);
    assert.equal((await anonymous.exchange(hello('anon'))).code, 'unauthorized');
    assert.equal(await anonymous.closed, 4000);
    const adminTokenIsNotAnExecutorToken = await rawClient(t, t.token);
    assert.equal((await adminTokenIsNotAnExecutorToken.exchange(hello('admin'))).code, 'unauthorized');
  });

  it('the agent side refuses malformed server frames without throwing past the parser', () => {
    for (const bad of ['nope', '{"action":"run"}', '{"action":"run","tasks":[{"id":"a"}]}', '{"action":"welcome"}', '{"action":"reboot"}']) {
      assert.throws(() => parseServerMessage(bad), { code: 'invalid_request' }, bad);
    }
  });
});
