// HTTP executors (seed 001 §4.2, §5.2, §5.3): executors that are web services, not
// agents. They register over REST, receive work as HTTP pushes (POST <base_url>/run,
// /stop) and report back through the callback route with a secret of their own. Each
// one joins the gateway through a link whose sends are pushes, so the dispatcher routes
// to them exactly as to a connected agent.
//
// Links exist on every instance (any of them may become leader and dispatch). Health
// checks run on the leader only: one prober means the health columns have one writer.
//
// Both directions are signed with the executor's callback secret (HMAC-SHA256), so the
// secret itself never travels after registration:
//   X-Cronfleet-Executor:  <executor id>
//   X-Cronfleet-Timestamp: <unix seconds>
//   X-Cronfleet-Signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>
// A request whose timestamp is more than 5 minutes from the receiver's wall clock is
// refused (a captured request cannot be replayed later); signatures are compared in
// constant time. The server keeps the secret sealed with the cluster's secret key. The
// old "Authorization: Bearer <callback_secret>" form is not accepted.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isTerminal, type Execution, type FinishStatus } from '../domain/execution.ts';
import { newId } from '../domain/ids.ts';
import { taskTypes } from '../domain/task.ts';
import { maskSecretJson, maskSecretText, sealedParameters, sealedSecrets } from '../domain/secrets.ts';
import { CronfleetError } from '../protocol/errors.ts';
import type { RunTask, ServerMessage } from '../protocol/executor-messages.ts';
import type { ExecutionCallbackRequest, RegisterExecutorRequest } from '../protocol/rest-schemas.ts';
import { newSecret } from '../store/executor-tokens.ts';
import { openSealed, type SecretCipher } from '../store/secret-cipher.ts';
import type { Executor } from '../store/executors.ts';
import { completeExecution, type CompletionDeps } from './completion.ts';
import type { TypedEmitter } from './events.ts';
import type { ExecutorGateway } from './gateway.ts';
import { HealthChecks, type HealthCheckOptions, type HealthEvents } from './health-checks.ts';

export const CALLBACK_SECRET_PREFIX = 'cfh_';

/** Without `runners` an HTTP executor offers every task type but docker, and any handler. */
const DEFAULT_RUNNERS = [...taskTypes.filter((type) => type !== 'docker' && type !== 'handler'), 'handler:*'];
const DEFAULT_CAPACITY = 10;

export interface HttpExecutorOptions {
  /** This instance's base URL as executors reach it; known only once the server listens. */
  publicUrl(): string;
  pushTimeoutMs: number;
  health: HealthCheckOptions;
  onError(error: unknown): void;
  /** Seals each new callback secret. */
  secrets: SecretCipher;
}

export const SIGNATURE_HEADERS = { executor: 'x-cronfleet-executor', timestamp: 'x-cronfleet-timestamp', signature: 'x-cronfleet-signature' } as const;
/** How far a signed request's timestamp may be from the receiver's clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The X-Cronfleet-Signature value of a body signed at `timestamp` (unix seconds). */
export function signBody(secret: string, timestamp: number, body: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** The three headers of a signed request. */
export interface SignedRequestHeaders {
  executorId: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export interface Registration {
  executor: Executor;
  created: boolean;
  /** Only on first registration or a rotation: the executor authenticates callbacks with it. */
  callbackSecret: string | null;
}

export class HttpExecutors {
  readonly #deps: CompletionDeps;
  readonly #gateway: ExecutorGateway;
  readonly #options: HttpExecutorOptions;
  readonly #health: HealthChecks;
  /** The latest registration of each attached executor: a push reads its base_url here. */
  readonly #known = new Map<string, Executor>();
  readonly #detach = new Map<string, () => void>();
  readonly #pushes = new Set<Promise<void>>();
  /** When each push under way was sent: the start of its execution once the executor takes it. */
  readonly #sentAt = new Map<string, number>();
  /** Callbacks about one execution are applied one at a time (log seq numbers follow each other). */
  readonly #callbacks = new Map<string, Promise<unknown>>();
  readonly #closing = new AbortController();

  constructor(deps: CompletionDeps, gateway: ExecutorGateway, options: HttpExecutorOptions) {
    this.#deps = deps;
    this.#gateway = gateway;
    this.#options = options;
    this.#health = new HealthChecks(deps, options.health, {
      // Each round also attaches executors that registered through another instance.
      beforeRound: (executors) => executors.forEach((executor) => this.#attach(executor)),
      onError: options.onError,
    });
  }

  get events(): TypedEmitter<HealthEvents> {
    return this.#health.events;
  }

  /** Attaches every registered HTTP executor to the gateway. */
  async attachAll(): Promise<void> {
    for (const executor of await this.#deps.store.executors.list()) {
      if (executor.kind === 'http') this.#attach(executor);
    }
  }

  /** Leader only (wired to leader.elected / leader.deposed). */
  startHealthChecks(): void {
    if (!this.#closing.signal.aborted) this.#health.start();
  }

  stopHealthChecks(): Promise<void> {
    return this.#health.stop();
  }

  /** Stops health checks, detaches every link and waits for pushes under way. Idempotent. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#health.stop();
    for (const detach of this.#detach.values()) detach();
    this.#detach.clear();
    await Promise.allSettled([...this.#pushes]);
    await Promise.allSettled([...this.#callbacks.values()]);
  }

  async register(request: RegisterExecutorRequest): Promise<Registration> {
    const baseUrl = httpUrl(request.base_url, 'base_url').replace(/\/+$/, ''); // /run and /stop are appended
    const healthCheckUrl = request.health_check_url ? httpUrl(request.health_check_url, 'health_check_url') : null;
    const metadata = request.metadata ?? {};
    const runners = request.runners ?? DEFAULT_RUNNERS;
    for (const runner of runners) {
      if (!(taskTypes as readonly string[]).includes(runner) && !/^handler:.+$/.test(runner)) {
        throw new CronfleetError('invalid_request', `runners: '${runner}' is not a task type (${taskTypes.join(', ')}) nor 'handler:<name>'`, { field: 'runners' });
      }
    }
    const existing = await this.#deps.store.executors.getByInstanceId(request.instance_id);
    if (existing && existing.kind !== 'http') {
      throw new CronfleetError('conflict', `instance_id '${request.instance_id}' belongs to an agent executor`, { instance_id: request.instance_id });
    }
    // One registered before secrets were sealed (only a hash kept) cannot sign: it gets a new one.
    const unsigned = existing !== null && (await this.#deps.store.executors.sealedCallbackSecret(existing.id)) === null;
    const callbackSecret = !existing || request.rotate_secret || unsigned ? newSecret(CALLBACK_SECRET_PREFIX) : null;
    const now = this.#deps.clock.now();
    const { executor, created } = await this.#deps.store.executors.upsertHttp(
      {
        id: newId(now),
        name: request.name,
        instanceId: request.instance_id,
        baseUrl,
        healthCheckUrl,
        labels: request.labels ?? {},
        capacity: request.capacity ?? metadataCapacity(metadata) ?? DEFAULT_CAPACITY,
        runners,
        metadata,
        sealedSecret: callbackSecret === null ? null : this.#options.secrets.seal(callbackSecret),
      },
      now,
    );
    this.#attach(executor);
    this.#deps.wake(); // its capacity, runners or labels may fit waiting work
    return { executor, created, callbackSecret };
  }

  /**
   * The executor that signed a callback; unauthorized otherwise. One message for an
   * unknown executor and a wrong signature, so a caller cannot probe for executor ids.
   */
  async authenticate(headers: SignedRequestHeaders, rawBody: Buffer): Promise<string> {
    const { executorId, timestamp, signature } = headers;
    if (!executorId || !timestamp || !signature) {
      throw new CronfleetError('unauthorized', 'missing signature: send X-Cronfleet-Executor, X-Cronfleet-Timestamp and X-Cronfleet-Signature (v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the callback secret>)');
    }
    const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    // Wall time, not the injected clock: the executor's clock is a real one.
    if (!(Math.abs(Date.now() / 1000 - seconds) <= SIGNATURE_TOLERANCE_SECONDS)) {
      throw new CronfleetError('unauthorized', `X-Cronfleet-Timestamp must be the current unix time in seconds (within ${SIGNATURE_TOLERANCE_SECONDS} s of the server's clock)`);
    }
    const sealed = await this.#deps.store.executors.sealedCallbackSecret(executorId);
    const expected = Buffer.from(signBody(sealed === null ? '' : openSealed(sealed), seconds, rawBody));
    const presented = Buffer.from(signature.trim());
    const matches = presented.length === expected.length && timingSafeEqual(presented, expected);
    if (sealed === null || !matches) throw new CronfleetError('unauthorized', 'invalid signature for this executor');
    return executorId;
  }

  /**
   * Applies an executor's report on an execution assigned to it: logs are appended,
   * `running` marks the start, a final status finishes it (and may schedule a retry).
   */
  callback(executorId: string, executionId: string, report: ExecutionCallbackRequest): Promise<Execution> {
    const previous = this.#callbacks.get(executionId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.#applyCallback(executorId, executionId, report));
    this.#callbacks.set(executionId, next);
    void next.finally(() => {
      if (this.#callbacks.get(executionId) === next) this.#callbacks.delete(executionId);
    }).catch(() => {});
    return next;
  }

  async #applyCallback(executorId: string, executionId: string, report: ExecutionCallbackRequest): Promise<Execution> {
    const { store, events } = this.#deps;
    const execution = await store.executions.get(executionId);
    if (!execution) throw new CronfleetError('execution_not_found', `no execution with id '${executionId}'`, { id: executionId });
    if (execution.executorId !== executorId) {
      throw new CronfleetError('unauthorized', `execution '${executionId}' is not assigned to the executor that signed this callback`);
    }
    if (execution.status !== 'running') {
      const why = isTerminal(execution.status) ? `already ended (${execution.status})` : `is not running (${execution.status})`;
      throw new CronfleetError('invalid_state', `execution '${executionId}' ${why}`, { status: execution.status });
    }
    const now = this.#deps.clock.now();
    if (report.logs) {
      const seq = (await store.logs.lastSeq(executionId)) + 1;
      await store.logs.append(executionId, [{ seq, stream: 'stdout', chunk: report.logs, createdAt: now }]);
      await store.executions.addLogBytes(executionId, Buffer.byteLength(report.logs));
      events.emit('execution.log', { executionId });
    }
    if (report.status === 'running') {
      await this.#markStarted(execution);
    } else {
      // The task's secret values are masked before the report is stored (logs are masked by the store).
      const task = await store.tasks.getIncludingDeleted(execution.taskId);
      const secrets = [...(task ? sealedSecrets(task).values() : []), ...sealedParameters(execution.parameters).values()].map(openSealed);
      // end_time is not used: times come from the server's clock, executor clocks drift.
      // A report may beat the reply to the push: the start is then the push's.
      await completeExecution(this.#deps, executionId, report.status as FinishStatus, {
        exitCode: report.exit_code ?? null,
        result: maskSecretJson(report.result ?? null, secrets),
        error: report.error === undefined || report.error === null ? null : maskSecretText(report.error, secrets),
        startTime: execution.startTime ?? this.#sentAt.get(executionId) ?? null,
      });
    }
    return (await store.executions.get(executionId))!;
  }

  /** The start of an execution is when its push was sent (if known here), else now. */
  async #markStarted(execution: Execution): Promise<void> {
    if (execution.startTime !== null) return;
    const now = this.#deps.clock.now();
    await this.#deps.store.executions.markStarted(execution.id, this.#sentAt.get(execution.id) ?? now, now);
    this.#deps.events.emit('execution.started', { executionId: execution.id });
  }

  #attach(executor: Executor): void {
    this.#known.set(executor.id, executor);
    if (this.#detach.has(executor.id) || this.#closing.signal.aborted) return;
    const detach = this.#gateway.attach(executor.id, {
      send: (message) => this.#push(executor.id, message),
      close: () => {}, // nothing to close: an HTTP executor is judged by its health checks
    });
    this.#detach.set(executor.id, detach);
  }

  #push(executorId: string, message: ServerMessage): void {
    const executor = this.#known.get(executorId);
    if (!executor?.baseUrl) return;
    if (message.action === 'run') {
      for (const task of message.tasks) this.#track(this.#run(executor, executor.baseUrl, task));
    } else if (message.action === 'stop' || message.action === 'kill' || message.action === 'timeout') {
      for (const { id } of message.tasks) this.#track(this.#stop(executor, executor.baseUrl, id, message.action));
    }
    // welcome and error frames belong to the agent protocol: an HTTP executor gets none.
  }

  #track(push: Promise<void>): void {
    this.#pushes.add(push);
    void push.finally(() => this.#pushes.delete(push));
  }

  async #run(executor: Executor, baseUrl: string, task: RunTask): Promise<void> {
    const callbackUrl = `${this.#options.publicUrl()}/api/v1/executions/${task.id}/callback`;
    this.#sentAt.set(task.id, this.#deps.clock.now());
    try {
      const failure = await this.#post(executor, `${baseUrl}/run`, { ...task, callback_url: callbackUrl }).then(
        () => null,
        (error: unknown) => ({ error }),
      );
      if (failure === null) {
        // A 2xx reply means the executor took the work: it started, unless a callback said so first.
        const execution = await this.#deps.store.executions.get(task.id);
        if (execution?.status === 'running') await this.#markStarted(execution);
      } else if (isTimeout(failure.error)) {
        // No answer in time: the executor may well have taken the work. Failing it here would
        // run it twice after a retry; its callback, or else the deadline sweep, settles it.
        this.#options.onError(new Error(`push to ${baseUrl}/run for execution ${task.id} got no answer in time; waiting for its callback`));
      } else if (!this.#closing.signal.aborted) {
        // (When shutting down the execution stays running: a callback or the leader's deadline sweep ends it.)
        await completeExecution(this.#deps, task.id, 'failed', { error: `push to ${baseUrl}/run failed: ${messageOf(failure.error)}`, reason: 'push_failed' });
      }
    } catch (error) {
      this.#options.onError(error);
    } finally {
      this.#sentAt.delete(task.id);
    }
  }

  async #stop(executor: Executor, baseUrl: string, id: string, action: 'stop' | 'kill' | 'timeout'): Promise<void> {
    try {
      await this.#post(executor, `${baseUrl}/stop`, { id, action });
    } catch (error) {
      // The execution keeps its state: a callback may still come, else the deadline sweep ends it.
      if (!this.#closing.signal.aborted) this.#options.onError(new Error(`${action} push to ${baseUrl}/stop for execution ${id} failed: ${messageOf(error)}`, { cause: error }));
    }
  }

  /** A push, signed as the callbacks are, so the executor can tell it comes from this cluster. */
  async #post(executor: Executor, url: string, body: unknown): Promise<void> {
    const sealed = await this.#deps.store.executors.sealedCallbackSecret(executor.id);
    if (sealed === null) throw new Error(`executor ${executor.id} has no callback secret to sign with; register it again with "rotate_secret": true`);
    const text = JSON.stringify(body);
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADERS.executor]: executor.id,
        [SIGNATURE_HEADERS.timestamp]: String(timestamp),
        [SIGNATURE_HEADERS.signature]: signBody(openSealed(sealed), timestamp, text),
      },
      body: text,
      signal: AbortSignal.any([this.#closing.signal, AbortSignal.timeout(this.#options.pushTimeoutMs)]),
    });
    const reply = await response.text();
    if (!response.ok) throw new Error(`HTTP ${response.status}${reply ? `: ${reply.slice(0, 200)}` : ''}`);
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

function httpUrl(value: string, field: string): string {
  const url = URL.canParse(value) ? new URL(value) : null;
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new CronfleetError('invalid_request', `${field} must be an http:// or https:// URL, got '${value}'`, { field });
  }
  return url.href;
}

/** Seed 001 puts the capacity in metadata; it must then be a usable number. */
function metadataCapacity(metadata: Record<string, unknown>): number | null {
  const capacity = metadata.capacity;
  if (capacity === undefined || capacity === null) return null;
  if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 1 || capacity > 10_000) {
    throw new CronfleetError('invalid_request', `metadata.capacity must be an integer from 1 to 10000, got ${JSON.stringify(capacity)}`, { field: 'metadata.capacity' });
  }
  return capacity;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    // fetch reports "fetch failed" and hides the reason (ECONNREFUSED, …) in its cause.
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
