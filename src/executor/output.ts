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

/**
 * Limits that keep at most `maxBytes` of an execution's output (--max-output): two
 * thirds from the start, where a task says what it is doing, and one third from the
 * end, where it says how it ended — the default's proportions.
 */
export function outputLimitsFor(maxBytes: number): OutputLimits {
  const headBytes = Math.ceil((maxBytes * 2) / 3);
  return { headBytes, tailBytes: maxBytes - headBytes, flushMs: defaultOutputLimits.flushMs };
}

export type ChunkSink = (seq: number, stream: Stream, chunk: string) => void;

export class OutputCapture {
  readonly #limits: OutputLimits;
  readonly #sink: ChunkSink;
  readonly #decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  #seq = 0;
  #headUsed = 0;
  /** Set once output went to the tail: later output must not jump back into the head. */
  #headClosed = false;
  /** Counted on the decoded text: the raw byte count unless the output is not valid UTF-8. */
  #omittedBytes = 0;
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
    // Decode first: the decoder holds back a multi-byte character split across chunks
    // until it is complete, so none of the cuts below falls inside a character.
    this.#accept(stream, this.#decoders[stream].write(data));
  }

  system(text: string): void {
    this.#queue('system', text);
  }

  /** Flushes everything, including the kept tail; returns the recent output. */
  finish(): { recent: string; totalBytes: number } {
    for (const stream of ['stdout', 'stderr'] as const) this.#accept(stream, this.#decoders[stream].end());
    if (this.#omittedBytes > 0) this.#queue('system', `\n[cronfleet: ${this.#omittedBytes} bytes of output omitted]\n`);
    for (const part of this.#tail) this.#queue(part.stream, part.buffer.toString('utf8'));
    this.#tail = [];
    this.#flush();
    return { recent: this.#recent, totalBytes: this.#totalBytes };
  }

  /** Sends decoded text to the head while it has room, and keeps the rest in the tail. */
  #accept(stream: 'stdout' | 'stderr', text: string): void {
    if (text === '') return;
    this.#recent = lastCharacters(this.#recent + text, RECENT_CHARACTERS);
    const bytes = Buffer.from(text, 'utf8');
    const cut = this.#headClosed ? 0 : characterStartAtOrBefore(bytes, Math.min(bytes.length, this.#limits.headBytes - this.#headUsed));
    if (cut > 0) {
      this.#headUsed += cut;
      this.#queue(stream, bytes.subarray(0, cut).toString('utf8'));
    }
    if (cut < bytes.length) {
      this.#headClosed = true;
      this.#keepTail(stream, bytes.subarray(cut));
    }
  }

  /** `data` holds whole characters; trimming its front keeps it that way. */
  #keepTail(stream: Stream, data: Buffer): void {
    this.#tail.push({ stream, buffer: Buffer.from(data) });
    this.#tailBytes += data.length;
    while (this.#tailBytes > this.#limits.tailBytes && this.#tail.length > 0) {
      const first = this.#tail[0]!;
      const excess = this.#tailBytes - this.#limits.tailBytes;
      const drop = first.buffer.length <= excess ? first.buffer.length : characterStartAtOrAfter(first.buffer, excess);
      if (drop === first.buffer.length) this.#tail.shift();
      else first.buffer = first.buffer.subarray(drop);
      this.#tailBytes -= drop;
      this.#omittedBytes += drop;
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

/** About the last few KiB of output, enough to show why a task failed. */
const RECENT_CHARACTERS = 4096;

/** A UTF-8 continuation byte is 10xxxxxx: it never starts a character. */
function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

function characterStartAtOrBefore(bytes: Buffer, index: number): number {
  while (index > 0 && isContinuation(bytes[index])) index--;
  return index;
}

function characterStartAtOrAfter(bytes: Buffer, index: number): number {
  while (index < bytes.length && isContinuation(bytes[index])) index++;
  return index;
}

/** The end of `text`, without splitting a surrogate pair. */
function lastCharacters(text: string, count: number): string {
  if (text.length <= count) return text;
  const end = text.slice(-count);
  const first = end.charCodeAt(0);
  return first >= 0xdc00 && first <= 0xdfff ? end.slice(1) : end;
}
