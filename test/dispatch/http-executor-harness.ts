// A real HTTP executor for tests: a node:http server on loopback. /run records the
// RunTask, answers 202 and, a moment later, calls the execution's callback_url with what
// `outcome` says (nothing when it returns null: the test reports itself). /stop records
// the request. /health answers 200, or 500 while `healthy` is false.
//
// It signs its callbacks and checks the server's signature on /run and /stop as the
// README describes (v2: HMAC-SHA256 with the callback secret over the method, route,
// executor id, execution id, timestamp, nonce and raw body, one per line), written here
// from that description rather than with the server's own helper, so a change to the
// wire format on one side only fails the tests. Like a careful executor, it refuses a
// push whose nonce it has seen before.
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A bound for "never comes", not a timing: generous, since CI runs two test files at once on two cores.
const WAIT_LIMIT_MS = 60_000;

export interface RunRequest {
  id: string;
  attempt: number;
  task_id: string;
  task_name: string;
  type: string;
  parameters: Record<string, unknown>;
  callback_url: string;
  [field: string]: unknown;
}

export interface StopRequest {
  id: string;
  action: string;
}

export type CallbackBody = Record<string, unknown>;

/** How a callback is signed; each field overrides the harness's own (null leaves the header out). */
export interface CallbackAuth {
  executorId?: string | null;
  secret?: string;
  timestamp?: number | null;
  nonce?: string | null;
  signature?: string | null;
  /** The execution id signed (default: the one in the callback URL). */
  executionId?: string;
}

/** The routes of the README, by the name a signature covers. */
export const ROUTES = { run: 'POST\n/run', stop: 'POST\n/stop', callback: 'POST\n/api/v1/executions/{id}/callback' } as const;

export interface SignedParts {
  route: keyof typeof ROUTES;
  executorId: string;
  executionId: string;
  timestamp: number;
  nonce: string;
  rawBody: string;
}

/** X-Cronfleet-Signature of a request, as an HTTP executor computes it. */
export function signature(secret: string, parts: SignedParts): string {
  const text = ['v2', ROUTES[parts.route], parts.executorId, parts.executionId, String(parts.timestamp), parts.nonce, parts.rawBody].join('\n');
  return `v2=${createHmac('sha256', secret).update(text).digest('hex')}`;
}

export function newNonce(): string {
  return randomBytes(12).toString('base64url');
}

/** The signature headers of a callback body about `executionId`, for tests that call the route themselves. */
export function signedHeaders(executorId: string, secret: string, executionId: string, rawBody: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const nonce = newNonce();
  return {
    'x-cronfleet-executor': executorId,
    'x-cronfleet-timestamp': String(timestamp),
    'x-cronfleet-nonce': nonce,
    'x-cronfleet-signature': signature(secret, { route: 'callback', executorId, executionId, timestamp, nonce, rawBody }),
  };
}

/** A push as received: the raw body and the signature headers. */
export interface ReceivedPush {
  route: 'run' | 'stop';
  rawBody: string;
  headers: Record<string, string>;
}

export class HttpExecutorHarness {
  readonly runs: RunRequest[] = [];
  readonly stops: StopRequest[] = [];
  healthChecks = 0;
  healthy = true;
  /** Status code /run answers with (a non-2xx one is a refused push). */
  runStatus = 202;
  /** The callback secret and executor id given at registration (see adopt). */
  secret = '';
  executorId = '';
  /** Pushes whose signature did not verify (answered 401), with the reason. */
  readonly refusedPushes: string[] = [];
  /** Every signed push received, verified or not. */
  readonly pushes: ReceivedPush[] = [];
  /** Nonces of the pushes accepted: one seen again is a replay. */
  readonly #seenNonces = new Set<string>();
  outcome: (run: RunRequest) => CallbackBody | null = () => ({ status: 'success', result: { processed_records: 1000 }, logs: 'Task completed successfully', end_time: new Date().toISOString() });
  readonly #server: Server;
  readonly #waiters = new Set<() => void>();
  readonly #callbacks = new Set<Promise<unknown>>();
  readonly #callbackErrors: unknown[] = [];

  private constructor() {
    this.#server = createServer((request, response) => void this.#handle(request, response));
  }

  static async start(): Promise<HttpExecutorHarness> {
    const harness = new HttpExecutorHarness();
    await new Promise<void>((resolve) => harness.#server.listen(0, '127.0.0.1', resolve));
    return harness;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The registration body of seed 001 §5.2, pointed at this executor. */
  registration(instanceId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { name: 'data-processor', instance_id: instanceId, base_url: this.url, health_check_url: `${this.url}/health`, metadata: { region: 'us-west-1', capacity: 10 }, ...extra };
  }

  /** Takes the id and callback secret from a registration response body. */
  adopt(registered: { id: string; callback_secret: string }): void {
    this.executorId = registered.id;
    this.secret = registered.callback_secret;
    for (const waiter of this.#waiters) waiter();
  }

  /** Resolves with the run received for `executionId` (it may already have come). */
  run(executionId: string): Promise<RunRequest> {
    return this.#until(`a /run push of execution ${executionId}`, () => this.runs.find((run) => run.id === executionId));
  }

  stopOf(executionId: string): Promise<StopRequest> {
    return this.#until(`a /stop push of execution ${executionId}`, () => this.stops.find((stop) => stop.id === executionId));
  }

  /** Calls an execution's callback as this executor would: signed with its id and secret, a new nonce. */
  async callback(run: Pick<RunRequest, 'callback_url'>, body: CallbackBody, auth: CallbackAuth = {}): Promise<{ status: number; body: any; headers: Record<string, string> }> {
    const raw = JSON.stringify(body);
    const executorId = auth.executorId === undefined ? this.executorId : auth.executorId;
    const timestamp = auth.timestamp === undefined ? Math.floor(Date.now() / 1000) : auth.timestamp;
    const nonce = auth.nonce === undefined ? newNonce() : auth.nonce;
    const executionId = auth.executionId ?? executionIdOf(run.callback_url);
    const signed =
      auth.signature === undefined ? signature(auth.secret ?? this.secret, { route: 'callback', executorId: executorId ?? '', executionId, timestamp: timestamp ?? 0, nonce: nonce ?? '', rawBody: raw }) : auth.signature;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (executorId !== null) headers['x-cronfleet-executor'] = executorId;
    if (timestamp !== null) headers['x-cronfleet-timestamp'] = String(timestamp);
    if (nonce !== null) headers['x-cronfleet-nonce'] = nonce;
    if (signed !== null) headers['x-cronfleet-signature'] = signed;
    return this.send(run.callback_url, raw, headers);
  }

  /** Posts a raw body with exactly these headers (a captured callback sent again, or moved). */
  async send(url: string, rawBody: string, headers: Record<string, string>): Promise<{ status: number; body: any; headers: Record<string, string> }> {
    const response = await fetch(url, { method: 'POST', headers, body: rawBody });
    return { status: response.status, body: await response.json(), headers };
  }

  /** What the automatic callbacks so far met instead of a 200, for a test's failure message. */
  callbackTrouble(): string {
    return this.#callbackErrors.map((error) => (error instanceof Error ? error.message : String(error))).join('; ') || 'none';
  }

  /** Stops the server; fails if one of the automatic callbacks was refused. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#callbacks]);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    if (this.#callbackErrors.length > 0) throw this.#callbackErrors[0];
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = chunks.length > 0 ? JSON.parse(raw) : null;
    const refusal = request.method === 'POST' ? this.#verifyPush(request, raw) : null;
    if (refusal !== null) {
      this.refusedPushes.push(refusal);
      response.writeHead(401).end(refusal);
    } else if (request.method === 'GET' && request.url === '/health') {
      this.healthChecks++;
      response.writeHead(this.healthy ? 200 : 500).end(this.healthy ? 'ok' : 'sick');
    } else if (request.method === 'POST' && request.url === '/run') {
      const run = body as RunRequest;
      this.runs.push(run);
      response.writeHead(this.runStatus, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: this.runStatus < 300 }));
      const report = this.runStatus < 300 ? this.outcome(run) : null;
      // Report after the 202 went out, as a real executor that runs the work would, and once
      // it knows its secret: the server may push work to a new registration before the test
      // has read the registration's answer (adopt).
      if (report) {
        const signedCallback = () => this.#until('the registration (adopt)', () => (this.secret === '' ? undefined : true)).then(() => this.callback(run, report));
        response.once('finish', () => this.#track(signedCallback().then((result) => assert.equal(result.status, 200, JSON.stringify(result.body)))));
      }
    } else if (request.method === 'POST' && request.url === '/stop') {
      this.stops.push(body as StopRequest);
      response.writeHead(202).end();
    } else {
      response.writeHead(404).end();
    }
    for (const waiter of this.#waiters) waiter();
  }

  /** Why a push's signature does not verify; null when it does (or no secret is known yet). */
  #verifyPush(request: IncomingMessage, raw: string): string | null {
    const route = request.url === '/run' ? 'run' : request.url === '/stop' ? 'stop' : null;
    const header = (name: string) => String(request.headers[name] ?? '');
    if (route) {
      const names = ['x-cronfleet-executor', 'x-cronfleet-timestamp', 'x-cronfleet-nonce', 'x-cronfleet-signature'];
      this.pushes.push({ route, rawBody: raw, headers: Object.fromEntries(names.map((name) => [name, header(name)])) });
    }
    if (this.secret === '') return null;
    if (route === null) return `no signed route ${String(request.url)}`;
    const executorId = header('x-cronfleet-executor');
    const timestamp = Number(header('x-cronfleet-timestamp'));
    const nonce = header('x-cronfleet-nonce');
    const presented = header('x-cronfleet-signature');
    if (executorId !== this.executorId) return `push for executor ${executorId}, I am ${this.executorId}`;
    if (!(Math.abs(Date.now() / 1000 - timestamp) <= 300)) return `stale or missing timestamp ${header('x-cronfleet-timestamp')}`;
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return `missing or malformed nonce '${nonce}'`;
    let executionId: string;
    try {
      const id = (JSON.parse(raw) as { id?: unknown }).id;
      executionId = typeof id === 'string' ? id : '';
    } catch {
      return 'the body is not JSON';
    }
    const expected = Buffer.from(signature(this.secret, { route, executorId, executionId, timestamp, nonce, rawBody: raw }));
    if (presented.length !== expected.length || !timingSafeEqual(Buffer.from(presented), expected)) return 'bad signature';
    if (this.#seenNonces.has(nonce)) return `replayed nonce ${nonce}`;
    this.#seenNonces.add(nonce);
    return null;
  }

  #track(callback: Promise<unknown>): void {
    const tracked = callback.catch((error: unknown) => void this.#callbackErrors.push(error));
    this.#callbacks.add(tracked);
    void tracked.finally(() => this.#callbacks.delete(tracked));
  }

  #until<T>(what: string, read: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = read();
        if (value === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, WAIT_LIMIT_MS);
      this.#waiters.add(check);
      check();
    });
  }
}

/** The execution id in a callback URL (…/executions/<id>/callback). */
export function executionIdOf(callbackUrl: string): string {
  const match = /\/executions\/([^/]+)\/callback$/.exec(new URL(callbackUrl).pathname);
  return match ? decodeURIComponent(match[1]!) : '';
}

/** A URL on loopback where nothing listens (a port just freed). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
