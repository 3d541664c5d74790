// The executor gateway: one Connection per connected executor, whatever the transport.
// It registers executors, records their reports and reconciles after a reconnect.
import type { Clock } from '../domain/clock.ts';
import { newId } from '../domain/ids.ts';
import { CronfleetError } from '../protocol/errors.ts';
import type { ExecutorMessage, HelloMessage, LogMessage, ServerMessage, TaskUpdate } from '../protocol/executor-messages.ts';
import { parseExecutorMessage } from '../protocol/executor-validation.ts';
import type { LogChunk } from '../store/logs.ts';
import type { Store } from '../store/store.ts';
import { completeExecution, type CompletionDeps } from './completion.ts';

export interface ExecutorLink {
  send(message: ServerMessage): void;
  /** Ends the transport (a silent or misbehaving executor). */
  close(reason: string): void;
}

export interface GatewayOptions {
  instanceId: string;
  heartbeatIntervalMs: number;
}

export interface ConnectOptions {
  /** The transport already proved an executor token (or is in-process). */
  authenticated: boolean;
}

export interface Connection {
  /** One frame as received: validated here; a bad frame gets an error frame back. */
  receiveRaw(raw: string | Buffer): Promise<void>;
  close(): Promise<void>;
}

const LOG_FLUSH_MS = 100;
/** Runs remembered as sent (about 100 bytes each). */
const SENT_RUNS_LIMIT = 50_000;

export class ExecutorGateway {
  readonly #deps: CompletionDeps;
  readonly #options: GatewayOptions;
  readonly #links = new Map<string, ExecutorLink>();
  readonly #logBuffers = new Map<string, LogChunk[]>();
  readonly #assigned = new Set<string>();
  /** Runs this instance sent, by execution id: to whom, which attempt, over which link. */
  readonly #sentRuns = new Map<string, { executorId: string; attempt: number; link: ExecutorLink }>();
  #logTimer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();

  constructor(deps: CompletionDeps, options: GatewayOptions) {
    this.#deps = deps;
    this.#options = options;
  }

  get store(): Store {
    return this.#deps.store;
  }

  get clock(): Clock {
    return this.#deps.clock;
  }

  connectedIds(): string[] {
    return [...this.#links.keys()];
  }

  isConnected(executorId: string): boolean {
    return this.#links.has(executorId);
  }

  /**
   * Attaches a link that needs no handshake (an HTTP executor: sends are HTTP pushes).
   * Returns a function that detaches it.
   */
  attach(executorId: string, link: ExecutorLink): () => void {
    this.#links.set(executorId, link);
    this.#deps.events.emit('executor.connected', { executorId });
    this.#deps.wake();
    return () => {
      if (this.#links.get(executorId) !== link) return;
      this.#links.delete(executorId);
      this.#deps.events.emit('executor.disconnected', { executorId });
    };
  }

  /**
   * True when this instance already sent this run over the executor's current link.
   * The dispatcher and the delivery loop both send claimed runs not yet marked
   * delivered; checking this in the same tick as sending keeps them from both sending
   * one run (a reconnect makes a new link, so a run lost with the old one is sent again).
   */
  alreadySent(executionId: string, executorId: string): boolean {
    const sent = this.#sentRuns.get(executionId);
    return sent !== undefined && sent.executorId === executorId && sent.link === this.#links.get(executorId);
  }

  /** Sends to a connected executor; false when it is not connected here. */
  send(executorId: string, message: ServerMessage): boolean {
    const link = this.#links.get(executorId);
    if (!link) return false;
    link.send(message);
    if (message.action === 'run') {
      for (const run of message.tasks) this.#sentRuns.set(run.id, { executorId, attempt: run.attempt, link });
      // Bounded: an entry that falls out only costs one lookup when its report comes.
      while (this.#sentRuns.size > SENT_RUNS_LIMIT) this.#sentRuns.delete(this.#sentRuns.keys().next().value!);
    }
    return true;
  }

  connect(link: ExecutorLink, options: ConnectOptions): Connection {
    let executorId: string | null = null;
    let closed = false;
    // Frames are handled one at a time, in order, whatever their handlers await.
    let queue: Promise<void> = Promise.resolve();
    // A connection that says nothing for 3 heartbeat intervals is dead: close it.
    let silence: NodeJS.Timeout | null = null;
    const heard = () => {
      if (silence) clearTimeout(silence);
      silence = setTimeout(() => link.close('no heartbeat for 3 intervals'), 3 * this.#options.heartbeatIntervalMs);
      silence.unref();
    };
    heard();
    const reject = (error: unknown) => {
      const code = error instanceof CronfleetError ? error.code : 'internal';
      link.send({ action: 'error', code, message: error instanceof Error ? error.message : String(error) });
    };
    const handle = async (raw: string | Buffer) => {
      if (closed) return;
      heard();
      let message: ExecutorMessage;
      try {
        message = parseExecutorMessage(raw);
      } catch (error) {
        return reject(error);
      }
      try {
        if (message.action === 'hello') {
          if (executorId !== null) throw new CronfleetError('invalid_request', 'hello was already received on this connection');
          if (!options.authenticated) await this.#authenticate(message.token);
          executorId = await this.#hello(link, message);
          return;
        }
        if (executorId === null) throw new CronfleetError('unauthorized', "send 'hello' with an executor token first");
        await this.#handle(executorId, message);
      } catch (error) {
        reject(error);
        if (error instanceof CronfleetError && error.code === 'unauthorized' && executorId === null) link.close('unauthorized');
      }
    };
    return {
      receiveRaw: (raw) => {
        queue = queue.then(() => handle(raw));
        return queue;
      },
      close: async () => {
        closed = true;
        if (silence) clearTimeout(silence);
        await queue;
        if (executorId !== null && this.#links.get(executorId) === link) {
          this.#links.delete(executorId);
          await this.#deps.store.executors.disconnected(executorId, this.#options.instanceId, this.#deps.clock.now()).catch(() => {});
          this.#deps.events.emit('executor.disconnected', { executorId });
        }
        await this.flushLogs();
      },
    };
  }

  async #authenticate(token: string | undefined): Promise<void> {
    if (!token) throw new CronfleetError('unauthorized', 'an executor token is required (hello.token or "Authorization: Bearer <token>")');
    const valid = await this.#deps.store.executorTokens.verify(token, Date.now());
    if (!valid) throw new CronfleetError('unauthorized', 'invalid, expired or revoked executor token');
  }

  /** Checks an executor token presented on the transport (e.g. the WebSocket upgrade). */
  async tokenIsValid(token: string): Promise<boolean> {
    return (await this.#deps.store.executorTokens.verify(token, Date.now())) !== null;
  }

  async flushLogs(): Promise<void> {
    if (this.#logTimer) clearTimeout(this.#logTimer);
    this.#logTimer = null;
    const buffers = [...this.#logBuffers.entries()];
    this.#logBuffers.clear();
    const previous = this.#flushing;
    this.#flushing = (async () => {
      await previous;
      for (const [executionId, chunks] of buffers) {
        await this.#deps.store.logs.append(executionId, chunks);
        await this.#deps.store.executions.addLogBytes(executionId, chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk.chunk), 0));
        this.#deps.events.emit('execution.log', { executionId });
      }
    })();
    await this.#flushing;
  }

  async close(): Promise<void> {
    await this.flushLogs();
    this.#links.clear();
  }

  async #hello(link: ExecutorLink, hello: HelloMessage): Promise<string> {
    const now = this.#deps.clock.now();
    const executor = await this.#deps.store.executors.upsertAgent(
      {
        id: newId(now),
        name: hello.name,
        instanceId: hello.instance_id,
        labels: hello.labels,
        capacity: Math.max(1, hello.capacity),
        runners: hello.runners,
        version: hello.version,
        connectedTo: this.#options.instanceId,
      },
      now,
    );
    // The same executor connecting again replaces its old link (a half-open socket).
    const previous = this.#links.get(executor.id);
    if (previous && previous !== link) previous.close('replaced by a new connection');
    this.#links.set(executor.id, link);
    link.send({ action: 'welcome', executor_id: executor.id, heartbeat_interval_ms: this.#options.heartbeatIntervalMs });
    await this.#reconcile(executor.id, hello.running);
    this.#deps.events.emit('executor.connected', { executorId: executor.id });
    this.#deps.wake();
    return executor.id;
  }

  /**
   * After a (re)connect the executor says what it still runs. Executions we think run
   * there but it does not know were lost with its previous process; executions it runs
   * that already ended here (cancelled meanwhile) are killed.
   */
  async #reconcile(executorId: string, stillRunning: string[]): Promise<void> {
    const running = new Set(stillRunning);
    const orphans: Array<{ id: string }> = [];
    // Only runs that reached it: one routed but not yet delivered is still on its way.
    for (const execution of await this.#deps.store.executions.runningOn(executorId, true)) {
      if (running.has(execution.id)) continue;
      if (execution.startTime === null) {
        // Sent but never reported started: the message died with the connection. Send it again.
        await this.#deps.store.executions.undeliver(execution.id);
        continue;
      }
      await completeExecution(this.#deps, execution.id, 'failed', { error: 'the executor restarted while this execution ran', reason: 'executor_lost' });
      orphans.push({ id: execution.id }); // its process may have outlived the executor: kill it
    }
    for (const id of running) {
      const execution = await this.#deps.store.executions.get(id);
      if (!execution || execution.status !== 'running' || execution.executorId !== executorId) orphans.push({ id });
    }
    if (orphans.length > 0) this.send(executorId, { action: 'kill', tasks: orphans });
    this.#deps.redeliver?.();
  }

  async #handle(executorId: string, message: ExecutorMessage): Promise<void> {
    const now = this.#deps.clock.now();
    switch (message.action) {
      case 'heartbeat':
        await this.#deps.store.executors.heartbeat(executorId, now);
        return;
      case 'log':
        await this.#assertAssigned(executorId, message.execution_id);
        this.#bufferLog(message, now);
        return;
      case 'task_update':
        await this.#taskUpdate(executorId, message, now);
        // Stored (or already known): the executor may stop re-sending this report.
        if (message.data.status !== 'running') this.#links.get(executorId)?.send({ action: 'ack', task_ids: [message.task_id] });
        return;
      case 'hello':
        return;
    }
  }

  /** Logs only from the executor an execution was given to (remembered after one lookup). */
  async #assertAssigned(executorId: string, executionId: string): Promise<void> {
    const key = `${executorId}/${executionId}`;
    if (this.#assigned.has(key) || this.#sentRuns.get(executionId)?.executorId === executorId) return;
    const execution = await this.#deps.store.executions.get(executionId);
    if (!execution || execution.executorId !== executorId) {
      throw new CronfleetError('invalid_request', `execution '${executionId}' is not assigned to this executor`, { execution_id: executionId });
    }
    this.#assigned.add(key);
    if (this.#assigned.size > 10_000) this.#assigned.delete(this.#assigned.values().next().value!);
  }

  #bufferLog(message: LogMessage, now: number): void {
    const chunks = this.#logBuffers.get(message.execution_id) ?? [];
    chunks.push({ seq: message.seq, stream: message.stream, chunk: message.chunk, createdAt: now });
    this.#logBuffers.set(message.execution_id, chunks);
    this.#logTimer ??= setTimeout(() => void this.flushLogs(), LOG_FLUSH_MS);
  }

  async #taskUpdate(executorId: string, update: TaskUpdate, now: number): Promise<void> {
    const { status } = update.data;
    // A run this instance sent to this executor is assigned to it (an execution's
    // executor never changes once claimed), so the usual lookup can be skipped; the
    // guarded updates below still refuse a finished execution.
    const sent = this.#sentRuns.get(update.task_id);
    if (sent === undefined || sent.executorId !== executorId || sent.attempt !== update.attempt) {
      const execution = await this.#deps.store.executions.get(update.task_id);
      if (!execution || execution.executorId !== executorId) {
        throw new CronfleetError('invalid_request', `execution '${update.task_id}' is not assigned to this executor`, { execution_id: update.task_id });
      }
      if (execution.attempt !== update.attempt) return; // a report about another attempt: stale
    }
    if (status !== 'running') this.#sentRuns.delete(update.task_id);
    // Times come from the server's clock: executor clocks may drift.
    if (status === 'running') {
      await this.#deps.store.executions.markStarted(update.task_id, now, now);
      this.#deps.events.emit('execution.started', { executionId: update.task_id });
      return;
    }
    if (this.#logBuffers.has(update.task_id)) await this.flushLogs();
    await completeExecution(this.#deps, update.task_id, status, {
      exitCode: update.data.exit_code ?? null,
      result: update.data.result ?? null,
      error: update.data.error ?? null,
    });
  }
}
