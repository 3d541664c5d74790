// How an executor link's reports are handled: in order per execution, side by side across
// executions (frame-order.ts); the starts heard together written by one statement at one
// time (start-marks.ts), and the ends by one statement (finish-writes.ts), on a real store
// of each dialect; and a run sent stays known as sent after it ended (run-reports.ts).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newExecution, type Execution, type FinishStatus } from '../../src/domain/execution.ts';
import { newId } from '../../src/domain/ids.ts';
import { parseTaskDefinition } from '../../src/domain/task.ts';
import { TypedEmitter, type DispatchEvents } from '../../src/dispatch/events.ts';
import { ExecutionFinisher, type FinishOutcome } from '../../src/dispatch/execution-finisher.ts';
import { FinishWrites } from '../../src/dispatch/finish-writes.ts';
import { FrameOrder } from '../../src/dispatch/frame-order.ts';
import { StartMarks } from '../../src/dispatch/start-marks.ts';
import type { FinishRow } from '../../src/store/execution-finishes.ts';
import { SecretCipher } from '../../src/store/secret-cipher.ts';
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

describe('finish writes', () => {
  const EXECUTOR = 'executor-ends';
  let dir: string;
  let store: Store;
  let taskId: string;
  /** Every call of the store's terminal write: the ids of its rows. */
  const statements: string[][] = [];
  const clock = new FakeClock(Date.parse('2026-01-05T00:00:00.000Z'));
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronfleet-ends-'));
    store = await Store.open(await testDatabaseUrl(dir));
    taskId = newId();
    await store.tasks.create(taskId, parseTaskDefinition({ name: 'ends', command: 'true', max_retry: 1, retry_backoff_seconds: 3600 }), 'active', null, clock.now());
    const executions = store.executions;
    const write = executions.finishMany.bind(executions);
    executions.finishMany = (rows, now) => {
      statements.push(rows.map((row) => row.id));
      return write(rows, now);
    };
  });
  after(async () => {
    await store.close();
    await removeTestData(dir);
  });

  async function running(): Promise<Execution> {
    const execution = newExecution({ taskId, taskVersion: 1, trigger: 'manual', scheduledTime: clock.now(), parameters: {} });
    await store.executions.insert([execution], clock.now());
    assert.ok(await store.executions.claim(execution.id, EXECUTOR, clock.now(), clock.now() + 60_000));
    return (await store.executions.get(execution.id))!;
  }

  const row = (id: string, status: FinishStatus, fields: FinishRow['fields'] = {}): FinishRow => ({ id, status, endTime: clock.now(), fields });

  it('writes the ends heard in one turn with one statement, and answers each its own', async () => {
    const writes = new FinishWrites(store, clock);
    const [first, second] = [await running(), await running()];
    const ended = await running();
    assert.ok(await store.executions.finish(ended.id, 'cancelled', {}, clock.now()));
    statements.length = 0;
    const answers = await Promise.all([writes.write(row(first.id, 'success', { exitCode: 0 })), writes.write(row(ended.id, 'success')), writes.write(row(second.id, 'failed', { exitCode: 1 }))]);
    assert.deepEqual(answers, [true, false, true]);
    assert.deepEqual(statements, [[first.id, ended.id, second.id]]);
    assert.equal((await store.executions.get(second.id))!.exitCode, 1);
  });

  it('of two rows for one execution in one turn, only the first can win', async () => {
    const writes = new FinishWrites(store, clock);
    const raced = await running();
    const answers = await Promise.all([writes.write(row(raced.id, 'success', { exitCode: 0 })), writes.write(row(raced.id, 'failed', { exitCode: 1 }))]);
    assert.deepEqual(answers, [true, false]);
    assert.equal((await store.executions.get(raced.id))!.status, 'success');
    // Both rows of an execution that had ended: neither wins.
    const answersAfter = await Promise.all([writes.write(row(raced.id, 'failed')), writes.write(row(raced.id, 'timeout'))]);
    assert.deepEqual(answersAfter, [false, false]);
  });

  it('a statement that fails fails every write that shared it, and ends none', async () => {
    const writes = new FinishWrites(store, clock);
    const [first, second] = [await running(), await running()];
    // A status the table refuses (NOT NULL): the one statement fails as a whole.
    const results = await Promise.allSettled([writes.write(row(first.id, 'success')), writes.write({ ...row(second.id, 'success'), status: null as unknown as FinishStatus })]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected'],
    );
    assert.equal((await store.executions.get(first.id))!.status, 'running');
    assert.equal((await store.executions.get(second.id))!.status, 'running');
    // The next turn is a statement of its own.
    assert.equal(await writes.write(row(first.id, 'success')), true);
  });

  it("two finishes of one execution racing in one turn: one is 'finished', emitted once, retried once", async () => {
    const events = new TypedEmitter<DispatchEvents>();
    const finished: Array<DispatchEvents['execution.finished']> = [];
    events.on('execution.finished', (payload) => finished.push(payload));
    let wakes = 0;
    const finisher = new ExecutionFinisher({ store, clock, events, secrets: new SecretCipher(Buffer.alloc(32, 7)), wake: () => wakes++ });
    const execution = await running();
    statements.length = 0;
    // The run as the gateway sent it (no read before the write): both reports reach the store in this turn.
    const outcomes: FinishOutcome[] = await Promise.all([
      finisher.finish({ executionId: execution.id, status: 'failed', by: 'server', reason: 'executor_lost' }, execution),
      finisher.finish({ executionId: execution.id, status: 'success', by: { executorId: EXECUTOR, attempt: 1 }, exitCode: 0 }, execution),
    ]);
    assert.deepEqual(statements, [[execution.id, execution.id]]);
    assert.deepEqual(outcomes, ['finished', 'ended_before']);
    assert.equal(finished.length, 1);
    assert.equal(finished[0]!.status, 'failed');
    assert.notEqual(finished[0]!.retryId, null);
    assert.equal(wakes, 1);
    const stored = (await store.executions.get(execution.id))!;
    assert.deepEqual([stored.status, stored.reason, stored.exitCode, stored.endTime], ['failed', 'executor_lost', null, clock.now()]);
    const retries = (await store.executions.list({ taskId, page: 1, pageSize: 100 })).items.filter((item) => item.retryOf === execution.id);
    assert.equal(retries.length, 1);
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
