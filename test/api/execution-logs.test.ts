// Execution logs: paged reads of a finished run, and live NDJSON follow of a running one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { watchExecutions, type ExecutionWatch } from './execution-watch.ts';

interface LogLine {
  seq?: number;
  stream?: string;
  chunk?: string;
  time?: string;
  end?: boolean;
  status?: string;
}

/** Reads an NDJSON response line by line; `onLine` sees each parsed line as it arrives. */
async function readLines(response: Response, onLine: (line: LogLine) => void = () => {}): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const part of response.body!) {
    buffer += decoder.decode(part as Uint8Array, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, newline)) as LogLine;
      buffer = buffer.slice(newline + 1);
      lines.push(line);
      onLine(line);
    }
  }
  assert.equal(buffer, '', 'the stream ends with a newline');
  return lines;
}

describe('execution logs', () => {
  let t: TestServer;
  let watch: ExecutionWatch;
  let gates: string;
  const follow = (id: string, query = '') => fetch(`${t.url}/api/v1/executions/${id}/logs?follow=1${query}`, { headers: { authorization: `Bearer ${t.token}` } });

  async function run(name: string, command: string): Promise<string> {
    const task = await t.request('POST', '/api/v1/tasks', { name, command, shell: true });
    assert.equal(task.status, 201, JSON.stringify(task.body));
    const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    assert.equal(triggered.status, 202);
    return triggered.body.id;
  }

  before(async () => {
    t = await startTestServer();
    watch = watchExecutions(t);
    gates = mkdtempSync(join(tmpdir(), 'cronfleet-gates-'));
  });
  after(async () => {
    watch.stop();
    await t.close();
    rmSync(gates, { recursive: true, force: true });
  });

  it('returns the output of a finished execution by stream, with finished and status', async () => {
    const id = await run('two-streams', 'echo out; echo err >&2');
    assert.equal(await watch.finished(id), 'success');
    const logs = await t.request('GET', `/api/v1/executions/${id}/logs`);
    assert.equal(logs.status, 200);
    assert.equal(logs.body.finished, true);
    assert.equal(logs.body.status, 'success');
    const text = (stream: string) =>
      logs.body.items
        .filter((item: LogLine) => item.stream === stream)
        .map((item: LogLine) => item.chunk)
        .join('');
    assert.equal(text('stdout'), 'out\n');
    assert.equal(text('stderr'), 'err\n');
    for (const item of logs.body.items) {
      assert.equal(typeof item.seq, 'number');
      assert.ok(!Number.isNaN(Date.parse(item.time)));
    }
    assert.equal(logs.body.next_seq, logs.body.items.at(-1).seq);
  });

  it('pages with after_seq and limit without losing or repeating output', async () => {
    const id = await run('counter', 'for i in 1 2 3 4 5; do echo line-$i; sleep 0.02; done');
    assert.equal(await watch.finished(id), 'success');
    let text = '';
    let after = 0;
    for (let pages = 0; pages < 100; pages++) {
      const page = await t.request('GET', `/api/v1/executions/${id}/logs?after_seq=${after}&limit=1`);
      if (page.body.items.length === 0) break;
      assert.equal(page.body.items.length, 1);
      assert.ok(page.body.items[0].seq > after);
      text += page.body.items[0].chunk;
      after = page.body.next_seq;
    }
    assert.equal(text, 'line-1\nline-2\nline-3\nline-4\nline-5\n');
  });

  it('follows a running execution as NDJSON and ends with {"end":true} when it finishes', async () => {
    const gate = join(gates, 'release');
    const id = await run('gated', `echo first; while [ ! -e '${gate}' ]; do sleep 0.02; done; echo second`);
    await watch.started(id);
    const response = await follow(id);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    let sawFirstWhileRunning = false;
    const lines = await readLines(response, (line) => {
      if (line.chunk !== 'first\n') return;
      sawFirstWhileRunning = true;
      // The process is still waiting for the gate: the line arrived live. Now let it finish.
      writeFileSync(gate, '');
    });
    assert.ok(sawFirstWhileRunning);
    assert.deepEqual(
      lines
        .filter((line) => !line.end)
        .map((line) => line.chunk)
        .join(''),
      'first\nsecond\n',
    );
    assert.deepEqual(lines.at(-1), { end: true, status: 'success' });
    assert.equal(lines.filter((line) => line.end).length, 1);
  });

  it('follows a finished execution: all output, then the end line at once', async () => {
    const id = await run('already-done', 'echo done');
    assert.equal(await watch.finished(id), 'success');
    const lines = await readLines(await follow(id));
    assert.deepEqual(
      lines.map((line) => line.chunk ?? line),
      ['done\n', { end: true, status: 'success' }],
    );
  });

  it('ends the follow of a stopped execution with its cancelled status', async () => {
    const id = await run('interrupted', 'echo started; sleep 30');
    await watch.started(id);
    const stops: Array<Promise<{ status: number }>> = [];
    const lines = await readLines(await follow(id), (line) => {
      if (line.chunk === 'started\n') stops.push(t.request('POST', `/api/v1/executions/${id}/stop`));
    });
    assert.deepEqual(
      (await Promise.all(stops)).map((stop) => stop.status),
      [202],
    );
    assert.deepEqual(lines.at(-1), { end: true, status: 'cancelled' });
  });

  it('follows from after_seq, skipping what the client already has', async () => {
    const id = await run('resumed-follow', 'echo one; sleep 0.05; echo two');
    assert.equal(await watch.finished(id), 'success');
    const all = (await t.request('GET', `/api/v1/executions/${id}/logs`)).body.items as LogLine[];
    const firstSeq = all[0]!.seq!;
    const lines = await readLines(await follow(id, `&after_seq=${firstSeq}`));
    assert.equal(
      lines
        .filter((line) => !line.end)
        .map((line) => line.chunk)
        .join(''),
      all
        .slice(1)
        .map((line) => line.chunk)
        .join(''),
    );
    assert.ok(lines.every((line) => line.end || line.seq! > firstSeq));
    assert.deepEqual(lines.at(-1), { end: true, status: 'success' });
  });
});
