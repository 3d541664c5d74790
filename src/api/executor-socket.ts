// WebSocket `/ws/executor`: agents dial out to any instance. The token may come on the
// upgrade ("Authorization: Bearer <executor token>") or in the hello message.
// Liveness: this side pings every half heartbeat interval (livenessPingMs); every frame and pong pushes the
// gateway's deadline back (protocol/executor-messages.ts livenessDeadlineMs), and a link
// that misses it is terminated, not closed politely: a stopped or unreachable peer never
// answers a close handshake, and waiting for one (ws waits 30 s) delays the verdict.
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import type { ExecutorGateway } from '../dispatch/gateway.ts';
import { livenessPingMs } from '../protocol/executor-messages.ts';
import { MAX_MESSAGE_BYTES } from '../protocol/executor-validation.ts';

export const EXECUTOR_SOCKET_PATH = '/ws/executor';

/** After a close frame, how long the peer has to answer before the socket is destroyed. */
const CLOSE_HANDSHAKE_MS = 1000;

export async function registerExecutorSocket(app: FastifyInstance, gateway: ExecutorGateway): Promise<void> {
  // Frames up to 4× the message limit are read (and refused with an error frame);
  // anything larger closes the socket before it can fill memory.
  await app.register(websocket, { options: { maxPayload: 4 * MAX_MESSAGE_BYTES } });
  app.get(EXECUTOR_SOCKET_PATH, { websocket: true, schema: { hide: true } }, async (socket, request) => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    let forceClose: NodeJS.Timeout | null = null;
    const connection = gateway.connect(
      {
        send: (message) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
        },
        close: (reason) => endSocket(socket, reason, (timer) => (forceClose = timer)),
      },
      { inProcess: false },
    );
    const pinger = setInterval(() => {
      if (socket.readyState === socket.OPEN) socket.ping();
    }, livenessPingMs(gateway.heartbeatIntervalMs));
    pinger.unref();
    socket.on('pong', () => connection.heard());
    socket.on('ping', () => connection.heard());
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      // The hello proves the token (the gateway verifies it): one taken from the upgrade is put in it.
      void connection.receiveRaw(match ? withToken(data, isBinary, match[1]!) : data); // never rejects
    });
    socket.on('close', () => {
      clearInterval(pinger);
      if (forceClose) clearTimeout(forceClose);
      void connection.close(); // never rejects
    });
    socket.on('error', () => socket.terminate());
  });
}

/** Sends a close frame and destroys the socket if the peer does not answer it soon. */
function endSocket(socket: WebSocket, reason: string, own: (timer: NodeJS.Timeout) => void): void {
  if (socket.readyState === socket.CLOSED) return;
  if (socket.readyState === socket.CONNECTING) {
    socket.terminate();
    return;
  }
  socket.close(4000, reason.slice(0, 120));
  const timer = setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS);
  timer.unref();
  own(timer);
}

/** A hello after an authenticated upgrade carries the upgrade's token. */
function withToken(data: Buffer, isBinary: boolean, token: string): Buffer | string {
  if (isBinary || data.length > MAX_MESSAGE_BYTES || !data.includes('"hello"')) return data;
  try {
    const message = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
    if (message.action !== 'hello' || message.token) return data;
    return JSON.stringify({ ...message, token });
  } catch {
    return data;
  }
}
