// The executor gateway: one Connection per connected executor, whatever the transport.
// It registers executors, records their reports and reconciles after a reconnect.
import type { Clock } from '../domain/clock.ts';
import { newId } from '../domain/ids.ts';
import type { ExecutorMessage, HelloMessage, LogMessage, ServerMessage, TaskUpdate } from '../protocol/executor-messages.ts';
import type { LogChunk } from '../store/logs.ts';
import type { Store } from '../store/store.ts';
import { completeExecution, type CompletionDeps } from './completion.ts';

export interface ExecutorLink {
  send(message: ServerMessage): void;
}

export interface GatewayOptions {
  instanceId: string;
  heartbeatIntervalMs: number;
}

export interface Connection {
  receive(message: ExecutorMessage): Promise<void>;
  close(): Promise<void>;
}

const LOG_FLUSH_MS = 100;

export class ExecutorGateway {
  readonly #deps: CompletionDeps;
  readonly #options: GatewayOptions;
  readonly #links = new Map<string, ExecutorLink>();
  readonly #logBuffers = new Map<string, LogChunk[]>();
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

  /** Sends to a connected executor; false when it is not connected here. */
  send(executorId: string, message: ServerMessage): boolean {
    const link = this.#links.get(executorId);
    if (!link) return false;
    link.send(message);
    return true;
  }

  connect(link: ExecutorLink): Connection {
    let executorId: string | null = null;
    return {
      receive: async (message) => {
        try {
          if (message.action === 'hello') {
            executorId = await this.#hello(link, message);
            return;
          }
          if (executorId === null) {
            link.send({ action: 'error', code: 'invalid_request', message: 'send hello first' });
            return;
          }
          await this.#handle(executorId, message);
        } catch (error) {
          link.send({ action: 'error', code: 'internal', message: error instanceof Error ? error.message : String(error) });
        }
      },
      close: async () => {
        if (executorId !== null && this.#links.get(executorId) === link) {
          this.#links.delete(executorId);
          this.#deps.events.emit('executor.disconnected', { executorId });
        }
        await this.flushLogs();
      },
    };
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
    for (const execution of await this.#deps.store.executions.runningOn(executorId)) {
      if (running.has(execution.id)) continue;
      await completeExecution(this.#deps, execution.id, 'failed', { error: 'the executor restarted while this execution ran', reason: 'executor_lost' });
      orphans.push({ id: execution.id }); // its process may have outlived the executor: kill it
    }
    for (const id of running) {
      const execution = await this.#deps.store.executions.get(id);
      if (!execution || execution.status !== 'running' || execution.executorId !== executorId) orphans.push({ id });
    }
    if (orphans.length > 0) this.send(executorId, { action: 'kill', tasks: orphans });
  }

  async #handle(executorId: string, message: ExecutorMessage): Promise<void> {
    const now = this.#deps.clock.now();
    switch (message.action) {
      case 'heartbeat':
        await this.#deps.store.executors.heartbeat(executorId, now);
        return;
      case 'log':
        this.#bufferLog(message, now);
        return;
      case 'task_update':
        await this.#taskUpdate(message, now);
        return;
      case 'hello':
        return;
    }
  }

  #bufferLog(message: LogMessage, now: number): void {
    const chunks = this.#logBuffers.get(message.execution_id) ?? [];
    chunks.push({ seq: message.seq, stream: message.stream, chunk: message.chunk, createdAt: now });
    this.#logBuffers.set(message.execution_id, chunks);
    this.#logTimer ??= setTimeout(() => void this.flushLogs(), LOG_FLUSH_MS);
  }

  async #taskUpdate(update: TaskUpdate, now: number): Promise<void> {
    const { status } = update.data;
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
