// Log chunks from executors are written in the background. A database that will not
// take them (an outage, a full disk) must never end the process: the chunks are kept
// and written later, within a bounded amount of memory, and a drop is reported.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TypedEmitter } from '../../src/dispatch/events.ts';
import { LogBuffer, LogDroppedError } from '../../src/dispatch/log-buffer.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { FAST_HEARTBEAT } from './helpers.ts';

const outage = () => Object.assign(new Error('no space left on device (simulated by the test)'), { code: 'ENOSPC' });

describe('background log flushes', () => {
  const cleanups: Array<() => Promise<void>> = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function server(): Promise<TestServer> {
    const t = await startTestServer({ env: FAST_HEARTBEAT });
    cleanups.push(() => t.close());
    return t;
  }

  it('a failed write neither rejects nor loses the chunks: they are stored once the database takes them', async () => {
    const t = await server();
    const logs = t.server.store.logs;
    const append = logs.append.bind(logs);
    let refusals = 0;
    logs.append = async (...args) => {
      if (refusals < 3) {
        refusals += 1;
        throw outage();
      }
      return append(...args);
    };
    const errors: unknown[] = [];
    t.server.events.on('error', ({ error }) => errors.push(error));

    const task = await t.request('POST', '/api/v1/tasks', { name: 'talks', command: 'sh', args: ['-c', 'echo first; sleep 0.3; echo second'] });
    const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    const text = await eventually(async () => {
      const items = (await t.request('GET', `/api/v1/executions/${run.body.id}/logs`)).body.items as Array<{ chunk: string }>;
      const joined = items.map((item) => item.chunk).join('');
      return joined.includes('second') ? joined : undefined;
    }, 'the log to be stored after the refusals');
    assert.equal(text, 'first\nsecond\n');
    assert.equal(refusals, 3);
    assert.ok(errors.length >= 1, 'the failure is reported');
    assert.equal((await t.request('GET', `/api/v1/executions/${run.body.id}`)).body.status, 'success');
    assert.deepEqual(unhandled, []);
  });

  it('while the database refuses, memory is bounded: the oldest chunks are dropped and counted', async () => {
    const t = await startTestServer({ executor: false, env: FAST_HEARTBEAT });
    cleanups.push(() => t.close());
    const task = await t.request('POST', '/api/v1/tasks', { name: 'unheard', command: 'true' });
    const executionId = (await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {})).body.id as string;
    const store = t.server.store;
    const append = store.logs.append.bind(store.logs);
    let refusing = true;
    store.logs.append = async (...args) => {
      if (refusing) throw outage();
      return append(...args);
    };
    const events = new TypedEmitter<any>();
    const errors: unknown[] = [];
    events.on('error', ({ error }: { error: unknown }) => errors.push(error));
    const buffer = new LogBuffer(store, events, { flushMs: 5, retryMs: 5, limitBytes: 1000 });
    cleanups.push(() => buffer.close());

    for (let seq = 1; seq <= 50; seq++) buffer.add(executionId, { seq, stream: 'stdout', chunk: `${String(seq).padStart(3, '0')}${'.'.repeat(97)}`, createdAt: Date.now() });
    await buffer.flush();
    const dropped = errors.filter((error): error is LogDroppedError => error instanceof LogDroppedError).reduce((sum, error) => sum + error.chunks, 0);
    assert.equal(dropped, 40, 'ten chunks of 100 bytes fit in 1000');

    refusing = false;
    await eventually(async () => (await store.logs.lastSeq(executionId)) === 50, 'the kept chunks to be written');
    const stored = (await t.request('GET', `/api/v1/executions/${executionId}/logs`)).body.items as Array<{ chunk: string }>;
    assert.deepEqual(
      stored.map((item) => item.chunk.slice(0, 3)),
      Array.from({ length: 10 }, (_, index) => String(41 + index).padStart(3, '0')),
      'the newest ten, in order',
    );
    assert.deepEqual(unhandled, []);
  });
});
