// Final reports the server has not acknowledged yet. A server acknowledges a result
// once it is stored; one it could not store (its database was out) is not, and the
// socket may well stay up meanwhile. So, while connected, each unacknowledged result is
// sent again with exponential backoff until its ack comes (the server takes a repeated
// result once: the execution's guarded finish ignores the copy). After a reconnect they
// are all sent at once, and their ids go in the hello so they are not counted lost.
import type { TaskUpdate } from '../protocol/executor-messages.ts';

export interface UnackedResultsOptions {
  /** Wait this long for an ack before the first re-send; doubled after each re-send. */
  initialMs?: number;
  maxMs?: number;
  /** Results kept; beyond, the oldest are forgotten. */
  limit?: number;
}

interface Pending {
  message: TaskUpdate;
  dueAt: number;
  delayMs: number;
}

export class UnackedResults {
  readonly #send: (message: TaskUpdate) => void;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #limit: number;
  readonly #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | null = null;
  #connected = false;

  /** `send` puts a result on the current link (only called while connected). */
  constructor(send: (message: TaskUpdate) => void, options: UnackedResultsOptions = {}) {
    this.#send = send;
    this.#initialMs = options.initialMs ?? 1000;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#limit = options.limit ?? 10_000;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Execution ids with a result not yet acknowledged. */
  ids(): string[] {
    return [...this.#pending.keys()];
  }

  messages(): TaskUpdate[] {
    return [...this.#pending.values()].map((pending) => pending.message);
  }

  /** A final report was just sent (or queued): wait for its ack. */
  remember(message: TaskUpdate): void {
    this.#pending.delete(message.task_id);
    this.#pending.set(message.task_id, { message, dueAt: Date.now() + this.#initialMs, delayMs: this.#initialMs });
    if (this.#pending.size > this.#limit) this.#pending.delete(this.#pending.keys().next().value!);
    this.#arm();
  }

  acknowledge(ids: string[]): void {
    for (const id of ids) this.#pending.delete(id);
    if (this.#pending.size === 0) this.#disarm();
  }

  /** The link is up: everything pending was just sent again, so restart each backoff. */
  connected(): void {
    this.#connected = true;
    const now = Date.now();
    for (const pending of this.#pending.values()) {
      pending.dueAt = now + this.#initialMs;
      pending.delayMs = this.#initialMs;
    }
    this.#disarm();
    this.#arm();
  }

  /** The link is down: re-sends wait for the next `connected()`. */
  disconnected(): void {
    this.#connected = false;
    this.#disarm();
  }

  /** Stops the timer (idempotent); what is pending is kept. */
  stop(): void {
    this.disconnected();
  }

  #arm(): void {
    if (!this.#connected || this.#timer || this.#pending.size === 0) return;
    let due = Infinity;
    for (const pending of this.#pending.values()) due = Math.min(due, pending.dueAt);
    this.#timer = setTimeout(() => this.#resendDue(), Math.max(0, due - Date.now()));
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #resendDue(): void {
    this.#timer = null;
    if (!this.#connected) return;
    const now = Date.now();
    for (const pending of [...this.#pending.values()]) {
      if (pending.dueAt > now) continue;
      pending.delayMs = Math.min(this.#maxMs, pending.delayMs * 2);
      pending.dueAt = now + pending.delayMs;
      this.#send(pending.message);
    }
    this.#arm();
  }
}
