// The agent's side of the WebSocket: dials out to one of the servers, says hello,
// reconnects with backoff (rotating through the servers) and never loses a result:
// messages sent while disconnected wait in a bounded queue and go out after the next
// welcome, and results the server has not acknowledged are sent again, while connected
// too (unacked-results.ts). The hello lists executions still running or still being
// reported, so the server does not count them lost.
// Liveness: the agent pings the server every half heartbeat interval (livenessPingMs); a link that brings
// nothing (no frame, no ping, no pong) within the deadline (livenessDeadlineMs) is
// terminated and the next server is tried: a blackholed link never closes by itself.
import { WebSocket } from 'ws';
import { livenessDeadlineMs, livenessPingMs, type ExecutorMessage, type ServerMessage } from '../protocol/executor-messages.ts';
import { SilenceDeadline } from '../protocol/silence-deadline.ts';
import { parseServerMessage, MAX_MESSAGE_BYTES } from '../protocol/executor-validation.ts';
import { Agent, type AgentOptions } from './agent.ts';
import { certificateProblem, trustedCertificates } from './tls.ts';
import { UnackedResults, type UnackedResultsOptions } from './unacked-results.ts';

export interface ExecutorClientOptions extends Omit<AgentOptions, 'send'> {
  /** Server base URLs (http:// or https://); the WebSocket URL is derived from each. */
  servers: string[];
  token: string;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Extra CA certificate(s) to trust (PEM), besides the system's, for servers with a private CA. */
  ca?: string | Buffer;
  /** Re-sending of unacknowledged results (defaults: first after 1 s, backoff to 30 s). */
  resend?: UnackedResultsOptions;
}

const QUEUE_LIMIT = 10_000;
/** From the socket's opening to the welcome (the heartbeat interval is not known before it). */
const WELCOME_DEADLINE_MS = 10_000;

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
  /** Final reports sent but not yet acknowledged (the server may not have stored them). */
  readonly #unacked: UnackedResults;
  /** The current socket's liveness: its deadline and its pinger (both cleared with it). */
  #deadline: SilenceDeadline | null = null;
  #pinger: NodeJS.Timeout | null = null;

  constructor(options: ExecutorClientOptions) {
    this.#options = options;
    this.#log = options.log ?? (() => {});
    this.#unacked = new UnackedResults((message) => this.#write(message), options.resend);
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
    this.#timer = null;
    this.#unacked.stop();
    this.#stopLiveness();
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

  /** Puts a message on the socket if it is up; false when it is not. */
  #write(message: ExecutorMessage): boolean {
    if (!this.#welcomed || this.#socket?.readyState !== WebSocket.OPEN) return false;
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  #send(message: ExecutorMessage): void {
    const final = message.action === 'task_update' && message.data.status !== 'running';
    if (final) this.#unacked.remember(message); // it goes out again after the next welcome if not now
    if (this.#write(message)) return;
    if (message.action === 'heartbeat' || final) return; // a heartbeat is worthless once late
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
      this.#expectWithin(socket, WELCOME_DEADLINE_MS, server);
      const hello = this.agent.hello();
      hello.running = [...new Set([...hello.running, ...this.#unacked.ids()])];
      socket.send(JSON.stringify(hello));
    });
    socket.on('ping', () => this.#heard(socket));
    socket.on('pong', () => this.#heard(socket));
    socket.on('message', (data: Buffer) => {
      this.#heard(socket);
      let message: ServerMessage;
      try {
        message = parseServerMessage(data);
      } catch (error) {
        this.#log('warn', `ignored a bad message from ${server}: ${(error as Error).message}`);
        return;
      }
      if (message.action === 'ack') {
        this.#unacked.acknowledge(message.task_ids);
        return;
      }
      if (message.action === 'error') {
        this.#log('warn', `server ${server}: ${message.code}: ${message.message}`);
        // Refused because our previous link is not gone yet (it ends within the liveness
        // deadline): keep trying at a short interval, not with a growing backoff, so the
        // runs we report are not judged lost while we wait.
        if (message.code === 'conflict' && !this.#welcomed) this.#attempt = Math.min(this.#attempt, 1);
        // A frame the server could not take (its database out?) may be a result: those sent so far may go again.
        if (this.#welcomed) this.#unacked.failed();
        return;
      }
      this.agent.handle(message);
      if (message.action === 'welcome') this.#onWelcome(socket, server, message.heartbeat_interval_ms);
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
      this.#stopLiveness();
      this.#unacked.disconnected();
      if (this.#stopped) return;
      if (wasWelcomed) this.#log('warn', `disconnected from ${server} (${code}${reason.length ? ` ${reason.toString()}` : ''}); reconnecting`);
      this.#serverIndex += 1;
      this.#scheduleReconnect();
    });
  }

  #onWelcome(socket: WebSocket, server: string, heartbeatIntervalMs: number): void {
    this.#welcomed = true;
    this.#attempt = 0;
    this.#log('info', `connected to ${server} as executor ${this.#options.name}`);
    this.#expectWithin(socket, livenessDeadlineMs(heartbeatIntervalMs), server);
    if (this.#pinger) clearInterval(this.#pinger);
    this.#pinger = setInterval(() => {
      if (socket.readyState === WebSocket.OPEN) socket.ping();
    }, livenessPingMs(heartbeatIntervalMs));
    this.#pinger.unref();
    const queued = this.#queue;
    this.#queue = [];
    for (const message of queued) this.#send(message);
    for (const message of this.#unacked.messages()) this.#write(message);
    this.#unacked.connected();
    for (const resolve of this.#welcomeWaiters.splice(0)) resolve();
  }

  #heard(socket: WebSocket): void {
    if (this.#socket === socket) this.#deadline?.heard();
  }

  #expectWithin(socket: WebSocket, ms: number, server: string): void {
    this.#deadline?.stop();
    this.#deadline = new SilenceDeadline(ms, () => {
      if (this.#socket !== socket) return;
      this.#log('warn', `nothing heard from ${server} for ${ms} ms; dropping the link`);
      socket.terminate(); // its close event moves on to the next server
    });
    this.#deadline.heard();
  }

  #stopLiveness(): void {
    this.#deadline?.stop();
    if (this.#pinger) clearInterval(this.#pinger);
    this.#deadline = null;
    this.#pinger = null;
  }

  #scheduleReconnect(): void {
    const initial = this.#options.backoffInitialMs ?? 500;
    const ceiling = Math.min(this.#options.backoffMaxMs ?? 30_000, initial * 2 ** this.#attempt);
    this.#attempt += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#timer = setTimeout(() => this.#connect(), delay);
  }
}
