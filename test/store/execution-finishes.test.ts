// The terminal write of many executions in one statement (store/execution-finishes.ts,
// `executions.finishMany`), on every dialect: each row sets what it defines and nothing
// else, only open executions move, the answer names exactly those, and a write that
// needs several statements is all or nothing.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newExecution, type FinishStatus } from '../../src/domain/execution.ts';
import { newId } from '../../src/domain/ids.ts';
import { parseTaskDefinition } from '../../src/domain/task.ts';
import { LocalizedText } from '../../src/protocol/messages/index.ts';
import type { FinishRow } from '../../src/store/execution-finishes.ts';
import { Store } from '../../src/store/store.ts';
import { removeTestData, testDatabaseUrl } from '../helpers/database.ts';

const T0 = Date.parse('2026-01-05T00:00:00.000Z');
const EXECUTOR = 'executor-finishes';

describe('finishing many executions at once', () => {
  let dir: string;
  let store: Store;
  let taskId: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronfleet-finishes-'));
    store = await Store.open(await testDatabaseUrl(dir));
    taskId = newId();
    await store.tasks.create(taskId, parseTaskDefinition({ name: 'finishes', command: 'true' }), 'active', null, T0);
  });
  after(async () => {
    await store.close();
    await removeTestData(dir);
  });

  /** Open executions: running on EXECUTOR, or still pending. */
  async function open(count: number, status: 'running' | 'pending' = 'running'): Promise<string[]> {
    const executions = Array.from({ length: count }, () => newExecution({ taskId, taskVersion: 1, trigger: 'manual', scheduledTime: T0, parameters: {} }));
    await store.executions.insert(executions, T0);
    if (status === 'running')
      assert.deepEqual(
        await store.executions.claimMany(
          executions.map((execution) => ({ id: execution.id, executorId: EXECUTOR, deadlineAt: T0 + 60_000 })),
          T0,
        ),
        new Set(executions.map((execution) => execution.id)),
      );
    return executions.map((execution) => execution.id);
  }

  const row = (id: string, status: FinishStatus, endTime: number, fields: FinishRow['fields'] = {}): FinishRow => ({ id, status, endTime, fields });
  const get = async (id: string) => (await store.executions.get(id))!;

  it('sets on each execution the fields its row defines, as a lone finish would', async () => {
    const [succeeded, failed, cancelled, timedOut] = await open(4);
    const [waiting] = await open(1, 'pending');
    const detail = new LocalizedText('run.deadlinePassed', {});
    const finished = await store.executions.finishMany(
      [
        row(succeeded!, 'success', T0 + 10, { exitCode: 0, result: { rows: 3 }, error: null, errorDetail: null, startTime: T0 + 1 }),
        row(failed!, 'failed', T0 + 20, { exitCode: 2, result: null, error: 'bad\u0000byte', startTime: null }),
        row(cancelled!, 'cancelled', T0 + 30, { reason: 'task_deleted' }),
        row(timedOut!, 'timeout', T0 + 40, { error: detail.toString(), errorDetail: detail, reason: 'deadline_passed', startTime: T0 + 4 }),
        row(waiting!, 'cancelled', T0 + 50, { error: 'stopped while pending' }),
      ],
      T0 + 60,
    );
    assert.deepEqual(finished, new Set([succeeded, failed, cancelled, timedOut, waiting]));

    const first = await get(succeeded!);
    assert.deepEqual([first.status, first.exitCode, first.result, first.error, first.errorDetail, first.startTime, first.endTime], ['success', 0, { rows: 3 }, null, null, T0 + 1, T0 + 10]);
    const second = await get(failed!);
    // PostgreSQL refuses NUL in text: it is stored as U+FFFD on every dialect.
    assert.deepEqual([second.status, second.exitCode, second.result, second.error, second.startTime, second.endTime], ['failed', 2, null, 'bad\uFFFDbyte', null, T0 + 20]);
    const third = await get(cancelled!);
    assert.deepEqual([third.status, third.exitCode, third.error, third.reason, third.endTime], ['cancelled', null, null, 'task_deleted', T0 + 30]);
    const fourth = await get(timedOut!);
    assert.deepEqual([fourth.status, fourth.error, fourth.errorDetail?.key, fourth.reason, fourth.startTime, fourth.endTime], ['timeout', detail.toString(), 'run.deadlinePassed', 'deadline_passed', T0 + 4, T0 + 40]);
    const fifth = await get(waiting!);
    assert.deepEqual([fifth.status, fifth.error, fifth.startTime, fifth.endTime], ['cancelled', 'stopped while pending', null, T0 + 50]);
  });

  it('an execution keeps the columns its row does not set, though other rows of the statement set them', async () => {
    const [started, stopped, plain] = await open(3);
    await store.executions.markStarted([started!, stopped!], T0 + 5, T0 + 5);
    await store.executions.setStopReason(stopped!, 'stopped_by_user', T0 + 6);
    const finished = await store.executions.finishMany(
      [row(plain!, 'failed', T0 + 30, { exitCode: 1, reason: 'executor_lost', startTime: T0 + 2 }), row(started!, 'success', T0 + 30, { exitCode: 0 }), row(stopped!, 'cancelled', T0 + 30, { startTime: null })],
      T0 + 30,
    );
    assert.equal(finished.size, 3);
    const kept = await get(started!);
    assert.deepEqual([kept.status, kept.exitCode, kept.reason, kept.startTime], ['success', 0, null, T0 + 5]);
    const stop = await get(stopped!);
    assert.deepEqual([stop.status, stop.exitCode, stop.reason, stop.startTime], ['cancelled', null, 'stopped_by_user', T0 + 5]);
    const other = await get(plain!);
    assert.deepEqual([other.status, other.exitCode, other.reason, other.startTime], ['failed', 1, 'executor_lost', T0 + 2]);
  });

  it('leaves executions that had ended as they were, and does not name them', async () => {
    const [ended, running] = await open(2);
    assert.ok(await store.executions.finish(ended!, 'cancelled', { error: 'first', exitCode: 9 }, T0 + 1));
    const finished = await store.executions.finishMany(
      [row(ended!, 'success', T0 + 50, { exitCode: 0, error: null, reason: 'late' }), row(running!, 'success', T0 + 50, { exitCode: 0 }), row('no-such-execution', 'failed', T0 + 50)],
      T0 + 50,
    );
    assert.deepEqual(finished, new Set([running]));
    const before = await get(ended!);
    assert.deepEqual([before.status, before.exitCode, before.error, before.reason, before.endTime], ['cancelled', 9, 'first', null, T0 + 1]);
    assert.equal((await get(running!)).status, 'success');
    // Alone, the same: one row is one guarded update.
    assert.equal(await store.executions.finish(ended!, 'failed', {}, T0 + 60), false);
    assert.equal(await store.executions.finish(running!, 'failed', {}, T0 + 60), false);
    assert.equal((await get(running!)).endTime, T0 + 50);
  });

  it('of two rows for one execution, writes the first and names the execution once', async () => {
    const [raced, other] = await open(2);
    const finished = await store.executions.finishMany(
      [row(raced!, 'success', T0 + 10, { exitCode: 0 }), row(other!, 'success', T0 + 10, { exitCode: 0 }), row(raced!, 'timeout', T0 + 20, { error: 'too late', reason: 'deadline_passed', startTime: T0 + 3 })],
      T0 + 20,
    );
    assert.deepEqual(finished, new Set([raced, other]));
    const stored = await get(raced!);
    // Nothing of the second row: not its status, nor a column only it sets.
    assert.deepEqual([stored.status, stored.exitCode, stored.error, stored.reason, stored.startTime, stored.endTime], ['success', 0, null, null, null, T0 + 10]);
  });

  it('writes more rows than one statement takes, each with its own values', async () => {
    const ids = await open(450);
    const ended = ids.slice(0, 5);
    for (const id of ended) assert.ok(await store.executions.finish(id, 'cancelled', {}, T0 + 1));
    const finished = await store.executions.finishMany(
      ids.map((id, index) => row(id, index % 3 === 0 ? 'failed' : 'success', T0 + 100 + (index % 7), index % 2 === 0 ? { exitCode: index, result: { index } } : { startTime: T0 + index })),
      T0 + 200,
    );
    assert.deepEqual(finished, new Set(ids.slice(5)));
    for (const [index, id] of ids.entries()) {
      const stored = await get(id);
      if (index < 5) {
        assert.equal(stored.status, 'cancelled');
        continue;
      }
      assert.equal(stored.status, index % 3 === 0 ? 'failed' : 'success');
      assert.equal(stored.endTime, T0 + 100 + (index % 7));
      assert.deepEqual([stored.exitCode, stored.result, stored.startTime], index % 2 === 0 ? [index, { index }, null] : [null, null, T0 + index]);
    }
  });

  it('writes rows beyond one statement in one transaction: one that fails undoes them all', async () => {
    const ids = await open(250);
    // A status the table refuses (NOT NULL) in the second statement's rows.
    const rows = ids.map((id) => row(id, 'success', T0 + 10, { exitCode: 0 }));
    rows[240] = { ...rows[240]!, status: null as unknown as FinishStatus };
    await assert.rejects(store.executions.finishMany(rows, T0 + 10));
    for (const id of [ids[0]!, ids[199]!, ids[200]!, ids[249]!]) assert.equal((await get(id)).status, 'running');
  });
});
