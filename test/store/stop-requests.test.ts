// Stop requests left in the database for the instance holding an executor's socket
// (requestStop / pendingStops / markStopDelivered), on every dialect.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { newExecution } from '../../src/domain/execution.ts';
import { newId } from '../../src/domain/ids.ts';
import { parseTaskDefinition } from '../../src/domain/task.ts';
import { Store } from '../../src/store/store.ts';
import { removeTestData, testDatabaseUrl } from '../helpers/database.ts';

const T0 = Date.parse('2026-01-05T00:00:00.000Z');
const EXECUTOR = 'executor-stop-requests';

describe('stop requests for another instance', () => {
  let dir: string;
  let store: Store;
  let taskId: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronfleet-stops-'));
    store = await Store.open(await testDatabaseUrl(dir));
    taskId = newId();
    await store.tasks.create(taskId, parseTaskDefinition({ name: 'stops', command: 'true' }), 'active', null, T0);
  });
  after(async () => {
    await store.close();
    await removeTestData(dir);
  });

  async function runningExecution(): Promise<string> {
    const execution = newExecution({ taskId, taskVersion: 1, trigger: 'manual', scheduledTime: T0, parameters: {} });
    await store.executions.insert([execution], T0);
    assert.ok(await store.executions.claim(execution.id, EXECUTOR, T0, T0 + 60_000));
    return execution.id;
  }

  const pendingFor = async (id: string) => (await store.executions.pendingStops([EXECUTOR])).find((stop) => stop.id === id)?.action;

  it('a kill replaces a stop, delivered or not', async () => {
    const id = await runningExecution();
    assert.ok(await store.executions.requestStop(id, 'stop', T0));
    assert.equal(await pendingFor(id), 'stop');
    assert.ok(await store.executions.requestStop(id, 'kill', T0));
    assert.equal(await pendingFor(id), 'kill');
    await store.executions.markStopDelivered(id, T0);
    assert.equal(await pendingFor(id), undefined);
    // "Kill now" after the stop went out: the kill goes out too.
    const other = await runningExecution();
    assert.ok(await store.executions.requestStop(other, 'stop', T0));
    await store.executions.markStopDelivered(other, T0);
    assert.ok(await store.executions.requestStop(other, 'kill', T0));
    assert.equal(await pendingFor(other), 'kill');
  });

  it('a stop never replaces a kill still waiting for delivery', async () => {
    const id = await runningExecution();
    assert.ok(await store.executions.requestStop(id, 'kill', T0));
    assert.equal(await store.executions.requestStop(id, 'stop', T0), false);
    assert.equal(await pendingFor(id), 'kill');
  });
});
