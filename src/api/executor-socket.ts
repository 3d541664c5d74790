// WebSocket `/ws/executor`: agents dial out to any instance. The token may come on the
// upgrade ("Authorization: Bearer <executor token>") or in the hello message.
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { ExecutorGateway } from '../dispatch/gateway.ts';
import { MAX_MESSAGE_BYTES } from '../protocol/executor-validation.ts';

export const EXECUTOR_SOCKET_PATH = '/ws/executor';

export async function registerExecutorSocket(app: FastifyInstance, gateway: ExecutorGateway): Promise<void> {
  // Frames up to 4× the message limit are read (and refused with an error frame);
  // anything larger closes the socket before it can fill memory.
  await app.register(websocket, { options: { maxPayload: 4 * MAX_MESSAGE_BYTES } });
  app.get(EXECUTOR_SOCKET_PATH, { websocket: true, schema: { hide: true } }, async (socket, request) => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const connection = gateway.connect(
      {
        send: (message) => {
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
        },
        close: (reason) => socket.close(4000, reason.slice(0, 120)),
      },
      { authenticated: false },
    );
    const authenticated = match ? gateway.tokenIsValid(match[1]!) : Promise.resolve(false);
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      void authenticated.then((ok) => connection.receiveRaw(ok ? withToken(data, isBinary, match![1]!) : data));
    });
    socket.on('close', () => void connection.close());
    socket.on('error', () => socket.terminate());
  });
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
