// Final reports the server has not acknowledged yet. A server acknowledges a result
// once it is stored; one it could not store (its database was out) is not, and the
// socket may well stay up meanwhile. The server handles a link's frames one at a time,
// in the order they came, so a result still waiting for its ack is either still in that
// queue (the server is slow: sending it again would only lengthen the queue) or was not
// stored. While connected, a result is sent again (with exponential backoff) only when
// there is a sign it was not stored: a result sent after it was acknowledged, the server
// answered with an error since it was sent, or nothing at all was acknowledged for the
// longest backoff since it was sent. Re-sending on a timer alone made a busy server
// busier: each late ack brought copies, the copies delayed the acks further, and its
// runs stayed counted as running until the executor had no free capacity left. After a
// reconnect they are all sent at once, and their ids go in the hello so they are not
// counted lost.
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
  /** Order of its last sending on the link (frames are answered in this order). */
  seq: number;
  sentAt: number;
}

export class UnackedResults {
  readonly #send: (message: TaskUpdate) => void;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #limit: number;
  readonly #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | null = null;
  #connected = false;
  #seq = 0;
  /** The latest-sent result that was acknowledged, and when an ack last came. */
  #ackedSeq = 0;
  #lastAckAt = 0;
  /** Results sent up to this one may have met an error on the server. */
  #errorSeq = 0;

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
    const now = Date.now();
    this.#pending.set(message.task_id, { message, dueAt: now + this.#initialMs, delayMs: this.#initialMs, seq: ++this.#seq, sentAt: now });
    if (this.#pending.size > this.#limit) this.#pending.delete(this.#pending.keys().next().value!);
    this.#arm();
  }

  acknowledge(ids: string[]): void {
    this.#lastAckAt = Date.now();
    for (const id of ids) {
      const pending = this.#pending.get(id);
      if (pending) this.#ackedSeq = Math.max(this.#ackedSeq, pending.seq);
      this.#pending.delete(id);
    }
    if (this.#pending.size === 0) this.#disarm();
  }

  /** The server answered a frame with an error: results sent so far may not be stored. */
  failed(): void {
    this.#errorSeq = this.#seq;
  }

  /** The link is up: everything pending was just sent again (in this order), so restart each backoff. */
  connected(): void {
    this.#connected = true;
    const now = Date.now();
    this.#lastAckAt = now;
    for (const pending of this.#pending.values()) {
      pending.dueAt = now + this.#initialMs;
      pending.delayMs = this.#initialMs;
      pending.seq = ++this.#seq;
      pending.sentAt = now;
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
      if (!this.#mayBeLost(pending, now)) {
        // Most likely still in the server's queue: look again later, without a copy.
        pending.dueAt = now + pending.delayMs;
        continue;
      }
      pending.delayMs = Math.min(this.#maxMs, pending.delayMs * 2);
      pending.dueAt = now + pending.delayMs;
      pending.seq = ++this.#seq;
      pending.sentAt = now;
      this.#send(pending.message);
    }
    this.#arm();
  }

  /** Whether the server gave a sign that it did not store this result (see the top of the file). */
  #mayBeLost(pending: Pending, now: number): boolean {
    if (pending.seq < this.#ackedSeq || pending.seq <= this.#errorSeq) return true;
    return this.#lastAckAt < pending.sentAt && now - pending.sentAt >= this.#maxMs;
  }
}
