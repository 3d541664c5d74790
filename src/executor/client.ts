// The agent's side of the WebSocket: dials out to one of the servers, says hello,
// reconnects with backoff (rotating through the servers) and never loses a result:
// messages sent while disconnected wait in a bounded queue and go out after the next
// welcome. The hello lists executions still running or still being reported, so the
// server does not count them lost.
import { WebSocket } from 'ws';
import type { ExecutorMessage, ServerMessage } from '../protocol/executor-messages.ts';
import { parseServerMessage, MAX_MESSAGE_BYTES } from '../protocol/executor-validation.ts';
import { Agent, type AgentOptions } from './agent.ts';
import { certificateProblem, trustedCertificates } from './tls.ts';

export interface ExecutorClientOptions extends Omit<AgentOptions, 'send'> {
  /** Server base URLs (http:// or https://); the WebSocket URL is derived from each. */
  servers: string[];
  token: string;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Extra CA certificate(s) to trust (PEM), besides the system's, for servers with a private CA. */
  ca?: string | Buffer;
}

const QUEUE_LIMIT = 10_000;

export function socketUrl(server: string): string {
  const url = new URL(server);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ws/executor`;
  return url.toString();
}

export class ExecutorClient {
  readonly agent: Agent;
  readonly #options: ExecutorClientOptions;
  readonly #log: NonNullable<ExecutorClientOptions['log']>;
  #socket: WebSocket | null = null;
  #welcomed = false;
  #queue: ExecutorMessage[] = [];
  #serverIndex = 0;
  #attempt = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = true;
  #welcomeWaiters: Array<() => void> = [];
  /** Final reports sent but not yet acknowledged: re-sent after a reconnect, since the
   *  server that received them may have died before storing them. */
  readonly #unacked = new Map<string, ExecutorMessage>();

  constructor(options: ExecutorClientOptions) {
    this.#options = options;
    this.#log = options.log ?? (() => {});
    this.agent = new Agent({ ...options, send: (message) => this.#send(message) });
  }

  get connected(): boolean {
    return this.#welcomed;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#connect();
  }

  /** Resolves after the next welcome (tests and startup logs). */
  welcomed(): Promise<void> {
    if (this.#welcomed) return Promise.resolve();
    return new Promise((resolve) => this.#welcomeWaiters.push(resolve));
  }

  /** Stops running work (reported as cancelled), sends what is queued, disconnects. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    await this.agent.stop();
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    const socket = this.#socket;
    if (socket && socket.readyState === WebSocket.OPEN) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close(1000, 'executor stopping');
        setTimeout(resolve, 2000).unref();
      });
    } else socket?.terminate();
  }

  /** Cuts the connection without stopping (tests: a network blip). */
  dropConnection(): void {
    this.#socket?.terminate();
  }

  #send(message: ExecutorMessage): void {
    if (message.action === 'task_update' && message.data.status !== 'running') {
      this.#unacked.set(message.task_id, message);
      if (this.#unacked.size > QUEUE_LIMIT) this.#unacked.delete(this.#unacked.keys().next().value!);
    }
    if (this.#welcomed && this.#socket?.readyState === WebSocket.OPEN) {
      this.#socket.send(JSON.stringify(message));
      return;
    }
    if (message.action === 'heartbeat') return; // worthless once late
    this.#queue.push(message);
    if (this.#queue.length > QUEUE_LIMIT) {
      // Drop log chunks first: results must survive.
      const index = this.#queue.findIndex((queued) => queued.action === 'log');
      this.#queue.splice(index >= 0 ? index : 0, 1);
    }
  }

  #connect(): void {
    if (this.#stopped) return;
    const server = this.#options.servers[this.#serverIndex % this.#options.servers.length]!;
    const url = socketUrl(server);
    const socket = new WebSocket(url, {
      headers: { authorization: `Bearer ${this.#options.token}` },
      maxPayload: 4 * MAX_MESSAGE_BYTES,
      handshakeTimeout: 10_000,
      // The socket verifies the server's certificate always (ws passes rejectUnauthorized: true by default).
      ...(this.#options.ca ? { ca: trustedCertificates(this.#options.ca) } : {}),
    });
    this.#socket = socket;
    socket.on('open', () => {
      const reporting = [...this.#unacked.keys()];
      const hello = this.agent.hello();
      hello.running = [...new Set([...hello.running, ...reporting])];
      socket.send(JSON.stringify(hello));
    });
    socket.on('message', (data: Buffer) => {
      let message: ServerMessage;
      try {
        message = parseServerMessage(data);
      } catch (error) {
        this.#log('warn', `ignored a bad message from ${server}: ${(error as Error).message}`);
        return;
      }
      if (message.action === 'ack') {
        for (const id of message.task_ids) this.#unacked.delete(id);
        return;
      }
      if (message.action === 'error') {
        this.#log('warn', `server ${server}: ${message.code}: ${message.message}`);
        return;
      }
      this.agent.handle(message);
      if (message.action === 'welcome') this.#onWelcome(server);
    });
    socket.on('error', (error) => {
      const problem = certificateProblem(error);
      this.#log(problem ? 'error' : 'warn', `connection to ${url} failed: ${problem ?? error.message}`);
    });
    socket.on('close', (code, reason) => {
      if (this.#socket !== socket) return;
      const wasWelcomed = this.#welcomed;
      this.#welcomed = false;
      this.#socket = null;
      if (this.#stopped) return;
      if (wasWelcomed) this.#log('warn', `disconnected from ${server} (${code}${reason.length ? ` ${reason.toString()}` : ''}); reconnecting`);
      this.#serverIndex += 1;
      this.#scheduleReconnect();
    });
  }

  #onWelcome(server: string): void {
    this.#welcomed = true;
    this.#attempt = 0;
    this.#log('info', `connected to ${server} as executor ${this.#options.name}`);
    const queued = this.#queue;
    this.#queue = [];
    const resend = [...this.#unacked.values()].filter((message) => !queued.includes(message));
    for (const message of [...queued, ...resend]) this.#send(message);
    for (const resolve of this.#welcomeWaiters.splice(0)) resolve();
  }

  #scheduleReconnect(): void {
    const initial = this.#options.backoffInitialMs ?? 500;
    const ceiling = Math.min(this.#options.backoffMaxMs ?? 30_000, initial * 2 ** this.#attempt);
    this.#attempt += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#timer = setTimeout(() => this.#connect(), delay);
  }
}
