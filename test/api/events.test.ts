// The live event stream (SSE): read with fetch as a browser's EventSource would.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeTestData } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

// A bound for "never comes", not a timing: generous, since CI runs two test files at once on two cores.
const WAIT_LIMIT_MS = 60_000;

interface StreamEvent {
  event: string;
  data: any;
}

/** An open event stream: `next(match)` resolves with the next event that matches, in order. */
interface EventStream {
  next(match: (event: StreamEvent) => boolean, what: string): Promise<StreamEvent>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

async function openStream(t: TestServer): Promise<EventStream> {
  const abort = new AbortController();
  const response = await fetch(`${t.url}/api/v1/events`, { headers: { authorization: `Bearer ${t.token}` }, signal: abort.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const queue: StreamEvent[] = [];
  let notify = null as (() => void) | null;
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const part of response.body!) {
        buffer += decoder.decode(part as Uint8Array, { stream: true });
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const fields = new Map(
            block
              .split('\n')
              .filter((line) => !line.startsWith(':'))
              .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
          );
          if (fields.has('event')) queue.push({ event: fields.get('event')!, data: JSON.parse(fields.get('data') ?? 'null') });
          notify?.();
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
    notify?.();
  })();
  return {
    ended,
    close: () => abort.abort(),
    next(match, what) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} on the event stream within ${WAIT_LIMIT_MS} ms`)), WAIT_LIMIT_MS);
        const check = () => {
          while (queue.length > 0) {
            const event = queue.shift()!;
            if (!match(event)) continue;
            clearTimeout(timer);
            notify = null;
            return resolve(event);
          }
        };
        notify = check;
        check();
      });
    },
  };
}

describe('event stream', () => {
  let t: TestServer;
  let stream: EventStream;

  before(async () => {
    t = await startTestServer();
    stream = await openStream(t);
    const ready = await stream.next((event) => event.event === 'ready', 'ready event');
    assert.equal(ready.data.instance_id, t.server.instanceId);
  });
  after(async () => {
    stream.close();
    await t.close();
  });

  it('an execution is seen going pending → running → success', async () => {
    const task = await t.request('POST', '/api/v1/tasks', { name: 'events-run', command: 'true' });
    assert.equal(task.status, 201);
    const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    assert.equal(triggered.status, 202);
    const seen: Array<[string, boolean]> = [];
    while (seen.at(-1)?.[0] !== 'success') {
      const event = await stream.next((event) => event.event === 'execution' && event.data.id === triggered.body.id, 'execution event');
      assert.equal(event.data.task_id, task.body.id);
      seen.push([event.data.status, event.data.executor_id !== null]);
    }
    // [status, has an executor]
    assert.deepEqual(seen, [
      ['pending', false],
      ['running', true],
      ['success', true],
    ]);
  });

  it('task changes are named: created, updated, paused, resumed, deleted', async () => {
    const task = await t.request('POST', '/api/v1/tasks', { name: 'events-task', command: 'true' });
    const id = task.body.id as string;
    const change = async () => (await stream.next((event) => event.event === 'task' && event.data.id === id, 'task event')).data.change;
    assert.equal(await change(), 'created');
    await t.request('PUT', `/api/v1/tasks/${id}`, { description: 'changed' });
    assert.equal(await change(), 'updated');
    await t.request('POST', `/api/v1/tasks/${id}/pause`);
    assert.equal(await change(), 'paused');
    await t.request('POST', `/api/v1/tasks/${id}/resume`);
    assert.equal(await change(), 'resumed');
    await t.request('DELETE', `/api/v1/tasks/${id}`);
    assert.equal(await change(), 'deleted');
  });

  it('an executor put into maintenance is an executor event', async () => {
    const executors = await t.request('GET', '/api/v1/executors');
    const executorId = executors.body.items[0].id as string;
    const set = await t.request('PUT', `/api/v1/executors/${executorId}/status`, { status: 'maintenance' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const event = await stream.next((event) => event.event === 'executor' && event.data.id === executorId, 'executor event');
    assert.equal(event.data.status, 'maintenance');
    await t.request('PUT', `/api/v1/executors/${executorId}/status`, { status: 'online' });
    assert.equal((await stream.next((event) => event.event === 'executor' && event.data.id === executorId, 'executor event')).data.status, 'online');
  });

  it('needs credentials', async () => {
    const response = await fetch(`${t.url}/api/v1/events`);
    assert.equal(response.status, 401);
    await response.body?.cancel();
  });
});

describe('event stream in a cluster', () => {
  it("a follower's stream sees the executions the leader runs, and closing the server ends it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-events-'));
    const leader = await startTestServer({ dataDir, env: { CRONFLEET_INSTANCE_ID: 'events-leader' } });
    const follower = await startTestServer({ dataDir, executor: false, env: { CRONFLEET_INSTANCE_ID: 'events-follower', CRONFLEET_ADMIN_TOKEN: leader.token } });
    try {
      assert.equal(follower.server.scheduler.isLeader, false);
      const stream = await openStream(follower);
      const ready = await stream.next((event) => event.event === 'ready', 'ready event');
      assert.deepEqual(ready.data.leader, { instance_id: 'events-leader' });
      const task = await leader.request('POST', '/api/v1/tasks', { name: 'events-cluster', command: 'true' });
      const triggered = await leader.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
      const statuses: string[] = [];
      while (statuses.at(-1) !== 'success') {
        statuses.push((await stream.next((event) => event.event === 'execution' && event.data.id === triggered.body.id, 'execution event')).data.status);
      }
      assert.deepEqual(statuses, ['pending', 'running', 'success']);
      // Shutdown ends the open stream instead of waiting for the client to leave.
      await follower.close({ keepData: true });
      await stream.ended;
    } finally {
      await follower.close({ keepData: true });
      await leader.close({ keepData: true });
      await removeTestData(dataDir);
    }
  });
});
