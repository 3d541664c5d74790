import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OutputCapture, type OutputLimits, type Stream } from '../../src/executor/output.ts';

const limits: OutputLimits = { headBytes: 1000, tailBytes: 500, flushMs: 20 };

interface Chunk {
  seq: number;
  stream: Stream;
  chunk: string;
}

function capture(custom: OutputLimits = limits) {
  const chunks: Chunk[] = [];
  let onChunk: (() => void) | null = null;
  const output = new OutputCapture(custom, (seq, stream, chunk) => {
    chunks.push({ seq, stream, chunk });
    onChunk?.();
  });
  const nextChunk = () => new Promise<void>((resolve) => (onChunk = resolve));
  const text = (stream?: Stream) =>
    chunks
      .filter((c) => stream === undefined || c.stream === stream)
      .map((c) => c.chunk)
      .join('');
  return { output, chunks, nextChunk, text };
}

/** Writes `bytes` to the capture in pieces of `size` bytes, cutting wherever that falls. */
function writeInPieces(output: OutputCapture, bytes: Buffer, size: number, stream: 'stdout' | 'stderr' = 'stdout'): void {
  for (let at = 0; at < bytes.length; at += size) output.write(stream, bytes.subarray(at, at + size));
}

const omittedMarker = /\[cronfleet: (\d+) bytes of output omitted\]/;

describe('output capture', () => {
  it('keeps everything, without a marker, when the output fits in the head', () => {
    const { output, text } = capture();
    output.write('stdout', Buffer.from('hello\n'));
    output.write('stderr', Buffer.from('warning\n'));
    const { recent, totalBytes } = output.finish();
    assert.equal(text('stdout'), 'hello\n');
    assert.equal(text('stderr'), 'warning\n');
    assert.equal(text('system'), '');
    assert.equal(totalBytes, 14);
    assert.equal(recent, 'hello\nwarning\n');
  });

  it('keeps the head and the tail of a large output with a marker counting the omitted bytes between them', () => {
    const { output, chunks, text } = capture();
    const lines = Array.from({ length: 1000 }, (_, index) => `line ${String(index).padStart(4, '0')}\n`).join(''); // 10 bytes a line
    writeInPieces(output, Buffer.from(lines), 700);
    const { totalBytes } = output.finish();
    assert.equal(totalBytes, 10_000);
    const stdout = text('stdout');
    assert.equal(stdout, lines.slice(0, 1000) + lines.slice(-500));
    const marker = chunks.find((c) => c.stream === 'system');
    assert.ok(marker, 'a system marker is sent');
    assert.equal(omittedMarker.exec(marker.chunk)?.[1], '8500');
    // The marker sits between the head and the tail.
    const all = text();
    assert.equal(all.indexOf(lines.slice(0, 1000)), 0);
    assert.ok(all.indexOf(marker.chunk) === 1000 && all.endsWith(lines.slice(-500)));
  });

  it('bounds the bytes it sends by the head, the tail and the marker, however much is written', () => {
    const { output, chunks } = capture();
    writeInPieces(output, Buffer.alloc(1_000_000, 'x'), 4096);
    output.finish();
    const sent = (stream: Stream) => chunks.filter((c) => c.stream === stream).reduce((sum, c) => sum + Buffer.byteLength(c.chunk), 0);
    assert.equal(sent('stdout'), limits.headBytes + limits.tailBytes);
    assert.ok(sent('system') < 100);
  });

  it('numbers chunks with a strictly increasing seq starting at 1', () => {
    const { output, chunks } = capture();
    for (let index = 0; index < 50; index++) {
      output.write(index % 2 === 0 ? 'stdout' : 'stderr', Buffer.from(`chunk ${index} `.repeat(20)));
    }
    output.system('note\n');
    output.finish();
    assert.ok(chunks.length > 3);
    assert.deepEqual(
      chunks.map((c) => c.seq),
      chunks.map((_, index) => index + 1),
    );
  });

  it('keeps stdout and stderr apart and in order within the tail', () => {
    const { output, chunks } = capture({ headBytes: 10, tailBytes: 100, flushMs: 20 });
    output.write('stdout', Buffer.from('0123456789')); // fills the head
    output.write('stdout', Buffer.from('out-1 '));
    output.write('stderr', Buffer.from('err-1 '));
    output.write('stdout', Buffer.from('out-2 '));
    output.finish();
    assert.deepEqual(
      chunks.map((c) => [c.stream, c.chunk]),
      [
        ['stdout', '0123456789out-1 '],
        ['stderr', 'err-1 '],
        ['stdout', 'out-2 '],
      ],
    );
  });

  it('streams output live, before the process ends, within flushMs', async () => {
    const { output, chunks, nextChunk } = capture();
    const arrived = nextChunk();
    output.write('stdout', Buffer.from('live line\n'));
    assert.equal(chunks.length, 0, 'chunks are batched, not sent synchronously');
    await arrived;
    assert.deepEqual(chunks, [{ seq: 1, stream: 'stdout', chunk: 'live line\n' }]);
    output.finish();
  });

  it('does not corrupt a multi-byte character split across chunks within the head', () => {
    const { output, text } = capture();
    const bytes = Buffer.from('héllo → wörld ✓ 😀\n');
    writeInPieces(output, bytes, 1); // every multi-byte character is split
    const { recent } = output.finish();
    assert.equal(text('stdout'), 'héllo → wörld ✓ 😀\n');
    assert.equal(recent, 'héllo → wörld ✓ 😀\n');
  });

  it('does not corrupt multi-byte characters at the head/tail boundary or inside the tail', () => {
    const { output, chunks, text } = capture();
    const original = '✓é😀'.repeat(1000); // 9 bytes a repeat: the cut at 1000 bytes and the piece edges fall inside characters
    const bytes = Buffer.from(original);
    writeInPieces(output, bytes, 7);
    const { recent, totalBytes } = output.finish();
    assert.equal(totalBytes, bytes.length);
    const marker = chunks.find((c) => c.stream === 'system')!.chunk;
    const [head, tail, ...rest] = text().split(marker);
    assert.equal(rest.length, 0);
    assert.ok(!text().includes('\uFFFD'), 'no replacement character in the kept output');
    assert.ok(original.startsWith(head!), 'the head is the start of the output');
    assert.ok(original.endsWith(tail!), 'the tail is the end of the output');
    assert.ok(Buffer.byteLength(head!) <= limits.headBytes && Buffer.byteLength(head!) > limits.headBytes - 4);
    assert.ok(Buffer.byteLength(tail!) <= limits.tailBytes && Buffer.byteLength(tail!) > limits.tailBytes - 4);
    assert.equal(Number(omittedMarker.exec(marker)![1]) + Buffer.byteLength(head!) + Buffer.byteLength(tail!), bytes.length, 'the marker counts exactly what was left out');
    assert.ok(!recent.includes('\uFFFD'), 'no replacement character in the recent output');
    assert.ok(original.endsWith(recent), 'the recent output is the end of the output');
  });
});
