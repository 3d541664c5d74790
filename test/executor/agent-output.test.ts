import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AgentHarness, commandTask, shTask } from './agent-harness.ts';

describe('output of a running task through the agent', () => {
  let harness: AgentHarness;
  before(() => {
    harness = new AgentHarness({ outputLimits: { headBytes: 1000, tailBytes: 500, flushMs: 20 } });
  });
  after(() => harness.close());

  it('streams output as log messages while the task still runs', async () => {
    const task = shTask('echo started; sleep 100');
    const finished = harness.run(task);
    await harness.printed(task.id, 'started\n');
    assert.equal(harness.updates(task.id).at(-1)?.data.status, 'running');
    harness.agent.handle({ action: 'kill', tasks: [{ id: task.id }] });
    await finished;
  });

  it('keeps the head and the tail of a long output with an omitted-bytes marker between them', async () => {
    const task = shTask('i=1; while [ $i -le 5000 ]; do echo "line $i"; i=$((i+1)); done');
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    const expected = Array.from({ length: 5000 }, (_, index) => `line ${index + 1}\n`).join('');
    const logs = harness.logs(task.id);
    const marker = logs.find((log) => log.stream === 'system');
    assert.ok(marker, 'a system marker was sent');
    const omitted = Buffer.byteLength(expected) - 1000 - 500;
    assert.equal(marker.chunk, `\n[cronfleet: ${omitted} bytes of output omitted]\n`);
    const markerIndex = logs.indexOf(marker);
    const head = logs
      .slice(0, markerIndex)
      .map((log) => log.chunk)
      .join('');
    const tail = logs
      .slice(markerIndex + 1)
      .map((log) => log.chunk)
      .join('');
    assert.equal(head, expected.slice(0, 1000));
    assert.equal(tail, expected.slice(-500));
    assert.equal((update.data.result as { output_bytes: number }).output_bytes, Buffer.byteLength(expected));
    assert.ok(expected.endsWith(update.data.output!), 'the final update carries the end of the output');
  });

  it('sends log messages with strictly increasing seq numbers', async () => {
    const task = shTask('for i in 1 2 3 4 5 6; do echo "out $i"; echo "err $i" >&2; sleep 0.03; done');
    await harness.run(task);
    const seqs = harness.logs(task.id).map((log) => log.seq);
    assert.ok(seqs.length >= 2, `expected several chunks, got ${seqs.length}`);
    assert.deepEqual(
      seqs,
      seqs.map((_, index) => index + 1),
    );
    assert.equal(harness.output(task.id, 'stdout'), [1, 2, 3, 4, 5, 6].map((i) => `out ${i}\n`).join(''));
    assert.equal(harness.output(task.id, 'stderr'), [1, 2, 3, 4, 5, 6].map((i) => `err ${i}\n`).join(''));
  });

  it('keeps multi-byte characters intact when the process writes them in pieces', async () => {
    // Writes each character's bytes in two separate writes, pausing between them, so the
    // agent receives characters split across chunks, in the head and in the tail.
    const text = '✓é😀'.repeat(300);
    const source = `
      const bytes = Buffer.from(${JSON.stringify(text)});
      let at = 0;
      const step = () => {
        if (at >= bytes.length) return;
        const piece = bytes.subarray(at, at + 401); at += 401;
        process.stdout.write(piece, () => setTimeout(step, 2));
      };
      step();`;
    const task = commandTask({ command: process.execPath, args: ['-e', source] });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    const stdout = harness.output(task.id, 'stdout');
    assert.ok(!stdout.includes('\uFFFD'), 'no replacement character in the logs');
    assert.ok(!update.data.output!.includes('\uFFFD'), 'no replacement character in the final output');
    assert.ok(text.endsWith(update.data.output!));
    const [head, tail] = harness.output(task.id).split(/\n\[cronfleet: \d+ bytes of output omitted\]\n/);
    assert.ok(text.startsWith(head!) && text.endsWith(tail!));
    assert.ok(Buffer.byteLength(head!) + Buffer.byteLength(tail!) <= 1500);
  });
});
