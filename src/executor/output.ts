// Captures a process's output for one execution: streams it live in chunks and
// bounds what is kept. Past `headBytes`, only the last `tailBytes` are kept; they are
// sent at the end after a marker saying how much was left out.
import { StringDecoder } from 'node:string_decoder';

export type Stream = 'stdout' | 'stderr' | 'system';

export interface OutputLimits {
  headBytes: number;
  tailBytes: number;
  /** Live chunks are flushed at least this often while output flows. */
  flushMs: number;
}

export const defaultOutputLimits: OutputLimits = { headBytes: 512 * 1024, tailBytes: 256 * 1024, flushMs: 200 };

export type ChunkSink = (seq: number, stream: Stream, chunk: string) => void;

export class OutputCapture {
  readonly #limits: OutputLimits;
  readonly #sink: ChunkSink;
  readonly #decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  #seq = 0;
  #headUsed = 0;
  #totalBytes = 0;
  #pending: Array<{ stream: Stream; text: string }> = [];
  #tail: Array<{ stream: Stream; buffer: Buffer }> = [];
  #tailBytes = 0;
  #timer: NodeJS.Timeout | null = null;
  /** The last bytes of output, for the execution's summary. */
  #recent = '';

  constructor(limits: OutputLimits, sink: ChunkSink) {
    this.#limits = limits;
    this.#sink = sink;
  }

  get totalBytes(): number {
    return this.#totalBytes;
  }

  write(stream: 'stdout' | 'stderr', data: Buffer): void {
    this.#totalBytes += data.length;
    this.#recent = (this.#recent + data.toString('utf8')).slice(-4096);
    const headRoom = this.#limits.headBytes - this.#headUsed;
    const head = headRoom > 0 ? data.subarray(0, headRoom) : Buffer.alloc(0);
    const rest = data.subarray(head.length);
    if (head.length > 0) {
      this.#headUsed += head.length;
      this.#queue(stream, this.#decoders[stream].write(head));
    }
    if (rest.length > 0) this.#keepTail(stream, rest);
  }

  system(text: string): void {
    this.#queue('system', text);
  }

  /** Flushes everything, including the kept tail; returns the recent output. */
  finish(): { recent: string; totalBytes: number } {
    for (const stream of ['stdout', 'stderr'] as const) this.#queue(stream, this.#decoders[stream].end());
    const omitted = this.#totalBytes - this.#headUsed - this.#tailBytes;
    if (this.#tail.length > 0) {
      if (omitted > 0) this.#queue('system', `\n[cronfleet: ${omitted} bytes of output omitted]\n`);
      for (const part of this.#tail) this.#queue(part.stream, part.buffer.toString('utf8'));
      this.#tail = [];
    }
    this.#flush();
    return { recent: this.#recent, totalBytes: this.#totalBytes };
  }

  #keepTail(stream: Stream, data: Buffer): void {
    this.#tail.push({ stream, buffer: Buffer.from(data) });
    this.#tailBytes += data.length;
    while (this.#tailBytes > this.#limits.tailBytes && this.#tail.length > 0) {
      const first = this.#tail[0]!;
      const excess = this.#tailBytes - this.#limits.tailBytes;
      if (first.buffer.length <= excess) {
        this.#tail.shift();
        this.#tailBytes -= first.buffer.length;
      } else {
        first.buffer = first.buffer.subarray(excess);
        this.#tailBytes -= excess;
      }
    }
  }

  #queue(stream: Stream, text: string): void {
    if (text === '') return;
    const last = this.#pending[this.#pending.length - 1];
    if (last && last.stream === stream) last.text += text;
    else this.#pending.push({ stream, text });
    this.#timer ??= setTimeout(() => this.#flush(), this.#limits.flushMs);
  }

  #flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const pending = this.#pending;
    this.#pending = [];
    for (const part of pending) this.#sink(++this.#seq, part.stream, part.text);
  }
}
