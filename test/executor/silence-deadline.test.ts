// The link deadline both ends use: a peer that keeps talking is not given up while this
// process is stalled (its frames wait unread in the socket), and a peer that went silent is.
// The peer is another process writing to a real socket every 50 ms.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { SilenceDeadline } from '../../src/protocol/silence-deadline.ts';

const talker = `
const socket = require('node:net').connect(Number(process.argv[1]), '127.0.0.1');
socket.on('connect', () => setInterval(() => socket.write('.'), 50));
process.on('message', () => process.exit(0));
`;

/** A socket whose peer, another process, writes a byte every 50 ms until told to stop. */
async function chattyPeer(): Promise<{ socket: Socket; peer: ChildProcess; close: () => void }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const peer = spawn(process.execPath, ['-e', talker, String(port)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const [socket] = (await once(server, 'connection')) as [Socket];
  return {
    socket,
    peer,
    close: () => {
      peer.kill('SIGKILL');
      socket.destroy();
      server.close();
    },
  };
}

/**
 * Holds this process's event loop for `ms`, as a long GC pause or a starved CPU would. It
 * stalls in the loop's check phase, so that due timers run before sockets are read next.
 */
function stall(ms: number): Promise<void> {
  return new Promise((resolve) =>
    setImmediate(() => {
      const until = performance.now() + ms;
      while (performance.now() < until);
      resolve();
    }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the silence deadline of a link', () => {
  const closes: Array<() => void> = [];
  after(() => closes.forEach((close) => close()));

  it('is not tripped by a stall of this process longer than the deadline while the peer talks', async () => {
    const { socket, close } = await chattyPeer();
    closes.push(close);
    let silent = false;
    const deadline = new SilenceDeadline(300, () => (silent = true));
    socket.on('data', () => deadline.heard());
    deadline.heard();
    await sleep(200);
    await stall(900);
    await sleep(500);
    assert.equal(silent, false, 'a stall of this process is not the peer going silent');
    deadline.stop();
  });

  it('is tripped once the peer goes silent, stall or not', async () => {
    const { socket, peer, close } = await chattyPeer();
    closes.push(close);
    let silentAt = 0;
    const deadline = new SilenceDeadline(300, () => (silentAt = performance.now()));
    socket.on('data', () => deadline.heard());
    deadline.heard();
    await sleep(200);
    peer.kill('SIGSTOP');
    const stoppedAt = performance.now();
    await stall(900);
    for (let waited = 0; silentAt === 0 && waited < 10_000; waited += 50) await sleep(50);
    peer.kill('SIGCONT');
    assert.ok(silentAt > stoppedAt, 'given up once nothing came');
  });

  it('is not tripped after stop()', async () => {
    let silent = false;
    const deadline = new SilenceDeadline(50, () => (silent = true));
    deadline.heard();
    deadline.stop();
    await sleep(200);
    assert.equal(silent, false);
  });
});
