import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { newId } from '../../src/domain/ids.ts';
import { parseTaskDefinition } from '../../src/domain/task.ts';
import { newExecution, type NewExecution } from '../../src/domain/execution.ts';
import { migrationNames } from '../../src/store/migrate.ts';
import { rawDatabase } from '../../src/store/raw-database.ts';
import { Store } from '../../src/store/store.ts';
import { removeTestData, testDatabaseUrl } from '../helpers/database.ts';

const T0 = Date.parse('2026-01-05T00:00:00.000Z');

function fire(taskId: string, instant: number): NewExecution {
  return newExecution({ taskId, taskVersion: 1, trigger: 'schedule', scheduledTime: instant, fireTime: instant, parameters: {} });
}

describe('the exactly-once fire ledger', () => {
  let dir: string;
  let store: Store;
  let taskId: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronfleet-ledger-'));
    store = await Store.open(await testDatabaseUrl(dir));
    taskId = newId();
    await store.tasks.create(taskId, parseTaskDefinition({ name: 'ledger', cron_expression: '* * * * * *', command: 'true' }), 'active', T0 + 1000, T0);
  });
  afterEach(async () => {
    await store.close();
    await removeTestData(dir);
  });

  it('a second execution for the same (task, instant) is dropped by the unique key', async () => {
    const first = await store.executions.insert([fire(taskId, T0 + 1000)], T0);
    const second = await store.executions.insert([fire(taskId, T0 + 1000), fire(taskId, T0 + 2000)], T0);
    assert.equal(first.size, 1);
    assert.equal(second.size, 1, 'only the new instant is inserted');
    assert.equal((await store.executions.list({ taskId, page: 1, pageSize: 100 })).total, 2);
  });

  it('two leaders planning the same fire record it once: the cursor moves by compare-and-set', async () => {
    const grant = await store.leases.acquire('scheduler-leader', 'a', 60_000);
    assert.ok(grant);
    const fence = { lease: 'scheduler-leader', holder: 'a', token: grant.token };
    const entry = () => ({ taskId, expectedNextFireAt: T0 + 1000, nextFireAt: T0 + 2000, lastFireAt: T0 + 1000, executions: [fire(taskId, T0 + 1000)] });
    const [one, two] = await Promise.all([store.recordFires(fence, [entry()], T0 + 1000), store.recordFires(fence, [entry()], T0 + 1000)]);
    assert.equal(one.size + two.size, 1);
    assert.equal((await store.executions.list({ taskId, page: 1, pageSize: 100 })).total, 1);
  });

  it("a deposed leader's fires are refused by the fencing token", async () => {
    const old = await store.leases.acquire('scheduler-leader', 'a', 1);
    assert.ok(old);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const fresh = await store.leases.acquire('scheduler-leader', 'b', 60_000);
    assert.ok(fresh);
    assert.ok(fresh.token > old.token, 'the token grows on every change of holder');
    const entry = { taskId, expectedNextFireAt: T0 + 1000, nextFireAt: T0 + 2000, lastFireAt: T0 + 1000, executions: [fire(taskId, T0 + 1000)] };
    await assert.rejects(store.recordFires({ lease: 'scheduler-leader', holder: 'a', token: old.token }, [entry], T0 + 1000), { code: 'conflict' });
    assert.equal((await store.executions.list({ taskId, page: 1, pageSize: 100 })).total, 0);
  });

  it('a lease held by another live holder is not taken', async () => {
    assert.ok(await store.leases.acquire('scheduler-leader', 'a', 60_000));
    assert.equal(await store.leases.acquire('scheduler-leader', 'b', 60_000), null);
  });
});

describe('migrations', () => {
  it('refuse a database that is newer than the code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cronfleet-migrate-'));
    const url = await testDatabaseUrl(dir);
    try {
      const store = await Store.open(url);
      await rawDatabase(store)
        .db.insertInto('kysely_migration' as never)
        .values({ name: '999-from-the-future', timestamp: new Date().toISOString() })
        .execute();
      await store.close();
      await assert.rejects(Store.open(url), { code: 'database_newer_than_code' });
    } finally {
      await removeTestData(dir);
    }
  });

  it('run once: opening an up-to-date database again changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cronfleet-migrate-'));
    const url = await testDatabaseUrl(dir);
    try {
      await (await Store.open(url)).close();
      const again = await Store.open(url);
      const rows = await rawDatabase(again)
        .db.selectFrom('kysely_migration' as never)
        .selectAll()
        .execute();
      assert.equal(rows.length, migrationNames.length);
      await again.close();
    } finally {
      await removeTestData(dir);
    }
  });
});
