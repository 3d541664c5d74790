// How an executor link's reports are handled: in order per execution, side by side across
// executions (frame-order.ts); the starts heard together written by one statement at one
// time (start-marks.ts, on a real store of each dialect); and a run sent stays known as
// sent after it ended (run-reports.ts).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newExecution } from '../../src/domain/execution.ts';
import { newId } from '../../src/domain/ids.ts';
import { parseTaskDefinition } from '../../src/domain/task.ts';
import { FrameOrder } from '../../src/dispatch/frame-order.ts';
import { StartMarks } from '../../src/dispatch/start-marks.ts';
import { Store } from '../../src/store/store.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { removeTestData, testDatabaseUrl } from '../helpers/database.ts';
import { startTestServer } from '../helpers/server.ts';
import { createTask, eventually } from '../scheduler/helpers.ts';

/** A handler that records when it began and ends only when released. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    release,
    handle: async () => {
      log.push(`begin ${name}`);
      await released;
      log.push(`end ${name}`);
    },
  };
}

const turns = (n = 5) => new Promise<void>((resolve) => setTimeout(resolve, n));

describe('the order of a link frames', () => {
  it('handles one execution frames one after another, and other executions meanwhile', async () => {
    const order = new FrameOrder();
    const log: string[] = [];
    const started = gate(log, 'a running');
    const ended = gate(log, 'a result');
    const other = gate(log, 'b running');
    const done = [order.run('a', started.handle), order.run('a', ended.handle), order.run('b', other.handle)];
    await turns();
    assert.deepEqual(log, ['begin a running', 'begin b running']);
    other.release();
    await turns();
    assert.deepEqual(log.slice(2), ['end b running']);
    started.release();
    await turns();
    assert.deepEqual(log.slice(3), ['end a running', 'begin a result']);
    ended.release();
    await Promise.all(done);
    await order.idle();
  });

  it('a frame about no execution waits for everything before it, and everything after waits for it', async () => {
    const order = new FrameOrder();
    const log: string[] = [];
    const first = gate(log, 'a log');
    const hello = gate(log, 'hello');
    const later = gate(log, 'b running');
    const done = [order.run('a', first.handle), order.run(null, hello.handle), order.run('b', later.handle)];
    await turns();
    assert.deepEqual(log, ['begin a log']);
    first.release();
    await turns();
    assert.deepEqual(log, ['begin a log', 'end a log', 'begin hello']);
    hello.release();
    await turns();
    assert.deepEqual(log.slice(3), ['end hello', 'begin b running']);
    later.release();
    await Promise.all(done);
  });

  it('handles at most its limit of frames at once, the waiting ones first come first served', async () => {
    const order = new FrameOrder(2);
    const log: string[] = [];
    const gates = ['a', 'b', 'c', 'd'].map((name) => gate(log, name));
    const done = gates.map((frame, index) => order.run(`execution-${index}`, frame.handle));
    await turns();
    assert.deepEqual(log, ['begin a', 'begin b']);
    gates[1]!.release();
    await turns();
    assert.deepEqual(log.slice(2), ['end b', 'begin c']);
    gates[0]!.release();
    await turns();
    assert.deepEqual(log.slice(4), ['end a', 'begin d']);
    gates[2]!.release();
    gates[3]!.release();
    await Promise.all(done);
  });

  it('is idle only once every frame received has been handled', async () => {
    const order = new FrameOrder();
    const log: string[] = [];
    const slow = gate(log, 'slow');
    void order.run('a', slow.handle);
    let idle = false;
    const waiting = order.idle().then(() => (idle = true));
    await turns();
    assert.equal(idle, false);
    slow.release();
    await waiting;
    assert.deepEqual(log, ['begin slow', 'end slow']);
  });
});

describe('start marks', () => {
  let dir: string;
  let store: Store;
  let taskId: string;
  const clock = new FakeClock(Date.parse('2026-01-05T00:00:00.000Z'));
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronfleet-starts-'));
    store = await Store.open(await testDatabaseUrl(dir));
    taskId = newId();
    await store.tasks.create(taskId, parseTaskDefinition({ name: 'starts', command: 'true' }), 'active', null, clock.now());
  });
  after(async () => {
    await store.close();
    await removeTestData(dir);
  });

  async function running(): Promise<string> {
    const execution = newExecution({ taskId, taskVersion: 1, trigger: 'manual', scheduledTime: clock.now(), parameters: {} });
    await store.executions.insert([execution], clock.now());
    assert.ok(await store.executions.claim(execution.id, 'executor-starts', clock.now(), clock.now() + 60_000));
    return execution.id;
  }

  it('records the starts heard together at one time, and never starts an execution that ended', async () => {
    const marks = new StartMarks(store, clock);
    const ids = await Promise.all([running(), running(), running()]);
    const ended = await running();
    assert.ok(await store.executions.finish(ended, 'cancelled', {}, clock.now()));
    clock.set(clock.now() + 1_000);
    const times = await Promise.all([...ids, ended].map((id) => marks.mark(id)));
    assert.equal(new Set(times).size, 1);
    assert.equal(times[0], clock.now());
    for (const id of ids) assert.equal((await store.executions.get(id))!.startTime, clock.now());
    assert.equal((await store.executions.get(ended))!.startTime, null);
    // A later turn is a later statement, with its own time.
    const next = await running();
    clock.set(clock.now() + 1_000);
    assert.equal(await marks.mark(next), clock.now());
  });
});

describe('runs sent', () => {
  it('a run that ended stays known as sent over its link, so a delivery pass that read it running does not send it again', async () => {
    const t = await startTestServer();
    try {
      const task = await createTask(t, { name: 'sent-once', command: 'true' });
      const triggered = await t.request('POST', `/api/v1/tasks/${task.id}/trigger`, {});
      assert.equal(triggered.status, 202);
      const id = triggered.body.id as string;
      const done = await eventually(async () => {
        const execution = (await t.request('GET', `/api/v1/executions/${id}`)).body;
        return execution.status === 'success' ? execution : undefined;
      }, 'the run to succeed');
      assert.equal(t.server.gateway.alreadySent(id, done.executor_id), true);
    } finally {
      await t.close();
    }
  });
});
