// Log chunks from executors, batched for the database. Flushing never rejects: it runs
// from a timer, and a database that cannot write (an outage, a full disk) must not end
// the process. Chunks that could not be stored stay buffered and are tried again, up to
// a bounded amount of memory; beyond it the oldest are dropped and the count is reported.
import type { LogChunk } from '../store/logs.ts';
import type { Store } from '../store/store.ts';
import type { DispatchEvents, TypedEmitter } from './events.ts';

export interface LogBufferOptions {
  /** How long chunks wait to be written together. */
  flushMs: number;
  /** After a failed write, the next try comes this late. */
  retryMs: number;
  /** Chunk text kept in memory while the database does not take it. */
  limitBytes: number;
}

const defaultLogBufferOptions: LogBufferOptions = { flushMs: 100, retryMs: 1000, limitBytes: 16 * 1024 * 1024 };

export class LogDroppedError extends Error {
  readonly chunks: number;
  readonly bytes: number;

  constructor(chunks: number, bytes: number, cause: unknown) {
    super(`dropped ${chunks} log chunks (${bytes} bytes) the database would not take; the memory kept for them is full`, { cause });
    this.name = 'LogDroppedError';
    this.chunks = chunks;
    this.bytes = bytes;
  }
}

export class LogBuffer {
  readonly #store: Store;
  readonly #events: TypedEmitter<DispatchEvents>;
  readonly #options: LogBufferOptions;
  /** By execution, in arrival order; Map order is the order executions first logged. */
  readonly #chunks = new Map<string, LogChunk[]>();
  /** The executions of the write under way: their chunks are no longer in #chunks, nor stored yet. */
  readonly #writing = new Set<string>();
  #bytes = 0;
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;
  #lastError: unknown = null;

  constructor(store: Store, events: TypedEmitter<DispatchEvents>, options: LogBufferOptions = defaultLogBufferOptions) {
    this.#store = store;
    this.#events = events;
    this.#options = options;
  }

  /** Whether chunks of this execution are buffered or being written (a flush then waits for them). */
  has(executionId: string): boolean {
    return this.#chunks.has(executionId) || this.#writing.has(executionId);
  }

  add(executionId: string, chunk: LogChunk): void {
    const chunks = this.#chunks.get(executionId) ?? [];
    chunks.push(chunk);
    this.#chunks.set(executionId, chunks);
    this.#bytes += Buffer.byteLength(chunk.chunk);
    this.#enforceLimit();
    this.#schedule(this.#options.flushMs);
  }

  /** Writes what is buffered; resolves (never rejects) once this and earlier flushes are done. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  /** A last flush; no timer is left behind (a failed write is not retried any more). */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(delayMs: number): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush(); // never rejects
    }, delayMs);
    this.#timer.unref();
  }

  async #write(): Promise<void> {
    const batch = [...this.#chunks.entries()];
    this.#chunks.clear();
    this.#bytes = 0;
    for (const [executionId] of batch) this.#writing.add(executionId);
    try {
      await this.#writeBatch(batch);
    } finally {
      this.#writing.clear();
    }
  }

  async #writeBatch(batch: Array<[string, LogChunk[]]>): Promise<void> {
    let failure: unknown = null;
    for (const [executionId, chunks] of batch) {
      if (failure !== null) {
        this.#putBack(executionId, chunks);
        continue;
      }
      try {
        await this.#store.logs.append(executionId, chunks); // idempotent by (execution, seq): safe to try again
      } catch (error) {
        failure = error;
        this.#putBack(executionId, chunks);
        continue;
      }
      try {
        await this.#store.executions.addLogBytes(
          executionId,
          chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk.chunk), 0),
        );
      } catch (error) {
        // The chunks are stored; only the size shown in lists is short. Not worth a duplicate.
        this.#events.emit('error', { error });
      }
      this.#events.emit('execution.log', { executionId });
    }
    if (failure === null) {
      this.#lastError = null;
      return;
    }
    // One report per outage, not one per retry.
    if (this.#lastError === null) this.#events.emit('error', { error: failure });
    this.#lastError = failure;
    this.#enforceLimit();
    this.#schedule(this.#options.retryMs);
  }

  /** Chunks that failed go back before any that arrived meanwhile. */
  #putBack(executionId: string, chunks: LogChunk[]): void {
    const newer = this.#chunks.get(executionId) ?? [];
    this.#chunks.delete(executionId);
    this.#chunks.set(executionId, [...chunks, ...newer]);
    this.#bytes += chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk.chunk), 0);
  }

  #enforceLimit(): void {
    let droppedChunks = 0;
    let droppedBytes = 0;
    while (this.#bytes > this.#options.limitBytes) {
      const first = this.#chunks.entries().next();
      if (first.done) break;
      const [executionId, chunks] = first.value;
      const dropped = chunks.shift()!;
      if (chunks.length === 0) this.#chunks.delete(executionId);
      const bytes = Buffer.byteLength(dropped.chunk);
      this.#bytes -= bytes;
      droppedChunks += 1;
      droppedBytes += bytes;
    }
    if (droppedChunks > 0) this.#events.emit('error', { error: new LogDroppedError(droppedChunks, droppedBytes, this.#lastError) });
  }
}
