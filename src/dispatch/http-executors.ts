// HTTP executors (seed 001 §4.2, §5.2, §5.3): executors that are web services, not
// agents. They register over REST, receive work as HTTP pushes (POST <base_url>/run,
// /stop) and report back through the callback route with a secret of their own. Each
// one joins the gateway through a link whose sends are pushes, so the dispatcher routes
// to them exactly as to a connected agent.
//
// Links exist on every instance (any of them may become leader and dispatch). Health
// checks run on the leader only: one prober means the health columns have one writer.
//
// Both directions are signed with the executor's callback secret (HMAC-SHA256, see
// protocol/request-signing.ts), so the secret itself never travels after registration.
// A signature covers the route, the execution, a timestamp and a nonce with the body:
// it is valid once, for that message about that execution. The server refuses a
// callback whose timestamp is more than 5 minutes from its wall clock, and one whose
// nonce it has accepted before (kept in the database: a replay may go to any instance).
// The server keeps the secret sealed with the cluster's secret key. The old
// "Authorization: Bearer <callback_secret>" form and v1 signatures are not accepted.
import type { Clock } from '../domain/clock.ts';
import { isTerminal, type Execution, type FinishStatus } from '../domain/execution.ts';
import { newId } from '../domain/ids.ts';
import { taskTypes } from '../domain/task.ts';
import { CronfleetError } from '../protocol/errors.ts';
import { text } from '../protocol/messages/index.ts';
import { isValidNonce, isValidSignedId, SIGNATURE_TOLERANCE_SECONDS, signatureMatches, signedHeaders, type SignedRoute } from '../protocol/request-signing.ts';
import type { RunTask, ServerMessage } from '../protocol/executor-messages.ts';
import type { ExecutionCallbackRequest, RegisterExecutorRequest } from '../protocol/rest-schemas.ts';
import { newSecret } from '../store/executor-tokens.ts';
import type { SecretCipher } from '../store/secret-cipher.ts';
import type { Executor } from '../store/executors.ts';
import type { Store } from '../store/store.ts';
import type { DispatchEvents, TypedEmitter } from './events.ts';
import type { ExecutionFinisher } from './execution-finisher.ts';
import type { ExecutorGateway } from './gateway.ts';
import { HealthChecks, type HealthCheckOptions, type HealthEvents } from './health-checks.ts';

const CALLBACK_SECRET_PREFIX = 'cfh_';

/** Without `runners` an HTTP executor offers every task type but docker, and any handler. */
const DEFAULT_RUNNERS = [...taskTypes.filter((type) => type !== 'docker' && type !== 'handler'), 'handler:*'];
const DEFAULT_CAPACITY = 10;

export interface HttpExecutorDeps {
  store: Store;
  clock: Clock;
  events: TypedEmitter<DispatchEvents>;
  /** New capacity or runners for the leader's dispatcher. */
  wake(): void;
  /** The one component that finishes executions (the gateway's, the dispatcher's and the sweeps'). */
  finisher: ExecutionFinisher;
}

export interface HttpExecutorOptions {
  /** This instance's base URL as executors reach it; known only once the server listens. */
  publicUrl(): string;
  pushTimeoutMs: number;
  health: HealthCheckOptions;
  onError(error: unknown): void;
  /** Seals each new callback secret, and opens it to sign and verify. */
  secrets: SecretCipher;
}

/** How often an instance deletes expired callback nonces (after an accepted callback). */
const NONCE_PURGE_INTERVAL_MS = 60_000;

/**
 * How long an accepted nonce is kept after its timestamp: the tolerance a receiver
 * allows, plus as much again for instances whose clocks run behind the one that purges.
 */
const NONCE_RETENTION_MS = 2 * SIGNATURE_TOLERANCE_SECONDS * 1000;

/** The headers of a signed callback, as received. */
export interface SignedRequestHeaders {
  executorId: string | undefined;
  timestamp: string | undefined;
  nonce: string | undefined;
  signature: string | undefined;
}

export interface Registration {
  executor: Executor;
  created: boolean;
  /** Only on first registration or a rotation: the executor authenticates callbacks with it. */
  callbackSecret: string | null;
}

export class HttpExecutors {
  readonly #deps: HttpExecutorDeps;
  readonly #finisher: ExecutionFinisher;
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
  #lastNoncePurge = 0;

  constructor(deps: HttpExecutorDeps, gateway: ExecutorGateway, options: HttpExecutorOptions) {
    this.#deps = deps;
    this.#finisher = deps.finisher;
    this.#gateway = gateway;
    this.#options = options;
    this.#health = new HealthChecks(deps, options.health, {
      // Each round also attaches executors that registered through another instance, and
      // detaches those removed through another one.
      beforeRound: (executors) => {
        executors.forEach((executor) => this.#attach(executor));
        const listed = new Set(executors.map((executor) => executor.id));
        for (const id of [...this.#detach.keys()]) if (!listed.has(id)) this.removed(id);
      },
      onError: (error) => options.onError(error),
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
        throw new CronfleetError('invalid_request', text('httpExecutor.runner', { runner, types: taskTypes.join(', ') }), { field: 'runners' });
      }
    }
    const existing = await this.#deps.store.executors.getByInstanceId(request.instance_id);
    if (existing && existing.kind !== 'http') {
      throw new CronfleetError('conflict', text('httpExecutor.agentInstance', { instanceId: request.instance_id }), { instance_id: request.instance_id });
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
    // Checked at once, not at the leader's next round (seed 001 §4.2.1), when its endpoint
    // is new to us; the registration does not wait for the answer (a dead endpoint may
    // take the whole timeout): health.checked tells when it came.
    if (healthCheckUrl !== null && (created || existing?.healthCheckUrl !== healthCheckUrl)) this.#track(this.#health.checkNow(executor, this.#closing.signal));
    return { executor, created, callbackSecret };
  }

  /**
   * An executor removed (DELETE /executors/{id}): its link and what is kept about it go.
   * Other instances drop theirs at their next health round if they lead, else at restart;
   * until then the link is unused, since routing only picks executors that exist.
   */
  removed(executorId: string): void {
    this.#detach.get(executorId)?.();
    this.#detach.delete(executorId);
    this.#known.delete(executorId);
    this.#health.forget(executorId);
  }

  /**
   * The executor that signed a callback about `executionId`; unauthorized otherwise. One
   * message for an unknown executor and a wrong signature, so a caller cannot probe for
   * executor ids. A correctly signed callback whose nonce was accepted before (by any
   * instance) is a replay: refused with replayed_request, and nothing is applied.
   */
  async authenticate(headers: SignedRequestHeaders, executionId: string, rawBody: Buffer): Promise<string> {
    const { executorId, timestamp, nonce, signature } = headers;
    if (!executorId || !timestamp || !nonce || !signature) {
      throw new CronfleetError('unauthorized', text('callback.unsigned'));
    }
    if (!signature.trim().startsWith('v2=')) {
      throw new CronfleetError('unauthorized', text('callback.v1'));
    }
    if (!isValidNonce(nonce)) throw new CronfleetError('unauthorized', text('callback.nonce'));
    const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    // Wall time, not the injected clock: the executor's clock is a real one.
    if (!(Math.abs(Date.now() / 1000 - seconds) <= SIGNATURE_TOLERANCE_SECONDS)) {
      throw new CronfleetError('unauthorized', text('callback.timestamp', { seconds: SIGNATURE_TOLERANCE_SECONDS }));
    }
    // An id that could split a line of the string to sign is never one we issued.
    const sealed = isValidSignedId(executorId) && isValidSignedId(executionId) ? await this.#deps.store.executors.sealedCallbackSecret(executorId) : null;
    const message = { route: 'callback' as const, executorId, executionId, timestamp: seconds, nonce, body: rawBody };
    if (sealed === null || !signatureMatches(this.#options.secrets.open(sealed), message, signature)) {
      throw new CronfleetError('unauthorized', text('callback.badSignature'));
    }
    // Only after the signature holds: an unsigned caller cannot fill the table.
    if (!(await this.#deps.store.callbackNonces.remember(executorId, nonce, seconds * 1000 + NONCE_RETENTION_MS))) {
      throw new CronfleetError('replayed_request', text('callback.replayed'), { nonce });
    }
    await this.#purgeNonces();
    return executorId;
  }

  /** At most once a minute per instance; a failure is logged, the callback goes on. */
  async #purgeNonces(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastNoncePurge < NONCE_PURGE_INTERVAL_MS) return;
    this.#lastNoncePurge = now;
    try {
      await this.#deps.store.callbackNonces.purgeExpired(now);
    } catch (error) {
      this.#options.onError(error);
    }
  }

  /**
   * Applies an executor's report on an execution assigned to it: logs are appended,
   * `running` marks the start, a final status finishes it (and may schedule a retry).
   */
  callback(executorId: string, executionId: string, report: ExecutionCallbackRequest): Promise<Execution> {
    const previous = this.#callbacks.get(executionId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.#applyCallback(executorId, executionId, report));
    this.#callbacks.set(executionId, next);
    void next
      .finally(() => {
        if (this.#callbacks.get(executionId) === next) this.#callbacks.delete(executionId);
      })
      .catch(() => {});
    return next;
  }

  async #applyCallback(executorId: string, executionId: string, report: ExecutionCallbackRequest): Promise<Execution> {
    const { store, events } = this.#deps;
    const execution = await store.executions.get(executionId);
    if (!execution) throw new CronfleetError('execution_not_found', text('notFound.execution', { id: executionId }), { id: executionId });
    if (execution.executorId !== executorId) {
      throw new CronfleetError('unauthorized', text('callback.notAssigned', { id: executionId }));
    }
    if (execution.status !== 'running') {
      const why = text(isTerminal(execution.status) ? 'execution.ended' : 'callback.notRunning', { id: executionId, status: execution.status });
      throw new CronfleetError('invalid_state', why, { status: execution.status });
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
      // The finisher masks the task's secret values, stamps the times (end_time is the
      // server's: executor clocks drift) and decides on a retry. A report may beat the
      // reply to the push: the start is then the push's.
      await this.#finisher.finish({
        executionId,
        status: report.status as FinishStatus,
        by: { executorId },
        exitCode: report.exit_code ?? null,
        result: report.result ?? null,
        error: report.error ?? null,
        handedOverAt: this.#sentAt.get(executionId) ?? null,
      });
    }
    return (await store.executions.get(executionId))!;
  }

  /** The start of an execution is when its push was sent (if known here), else now. */
  async #markStarted(execution: Execution): Promise<void> {
    if (execution.startTime !== null) return;
    const now = this.#deps.clock.now();
    const startTime = this.#sentAt.get(execution.id) ?? now;
    await this.#deps.store.executions.markStarted([execution.id], startTime, now);
    this.#deps.events.emit('execution.started', { executionId: execution.id, scheduledTime: execution.scheduledTime, startTime, attempt: execution.attempt });
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
      const failure = await this.#post(executor, 'run', task.id, `${baseUrl}/run`, { ...task, callback_url: callbackUrl }).then(
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
        const error = text('run.pushFailed', { url: `${baseUrl}/run`, error: messageOf(failure.error) });
        await this.#finisher.finish({ executionId: task.id, status: 'failed', by: 'server', error, reason: 'push_failed' });
      }
    } catch (error) {
      this.#options.onError(error);
    } finally {
      this.#sentAt.delete(task.id);
    }
  }

  async #stop(executor: Executor, baseUrl: string, id: string, action: 'stop' | 'kill' | 'timeout'): Promise<void> {
    try {
      await this.#post(executor, 'stop', id, `${baseUrl}/stop`, { id, action });
    } catch (error) {
      // The execution keeps its state: a callback may still come, else the deadline sweep ends it.
      if (!this.#closing.signal.aborted) this.#options.onError(new Error(`${action} push to ${baseUrl}/stop for execution ${id} failed: ${messageOf(error)}`, { cause: error }));
    }
  }

  /**
   * A push, signed as the callbacks are (route, execution, timestamp, new nonce), so the
   * executor can tell it comes from this cluster, is meant for it and is not a replay.
   */
  async #post(executor: Executor, route: SignedRoute, executionId: string, url: string, body: unknown): Promise<void> {
    const sealed = await this.#deps.store.executors.sealedCallbackSecret(executor.id);
    if (sealed === null) throw new Error(`executor ${executor.id} has no callback secret to sign with; register it again with "rotate_secret": true`);
    const text = JSON.stringify(body);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(this.#options.secrets.open(sealed), { route, executorId: executor.id, executionId, body: text }) },
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
    throw new CronfleetError('invalid_request', text('httpExecutor.url', { field, value }), { field });
  }
  return url.href;
}

/** Seed 001 puts the capacity in metadata; it must then be a usable number. */
function metadataCapacity(metadata: Record<string, unknown>): number | null {
  const capacity = metadata.capacity;
  if (capacity === undefined || capacity === null) return null;
  if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 1 || capacity > 10_000) {
    throw new CronfleetError('invalid_request', text('httpExecutor.capacity', { value: JSON.stringify(capacity) }), { field: 'metadata.capacity' });
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
