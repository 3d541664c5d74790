// Deadlocks and lock-wait timeouts are normal events under concurrency (InnoDB,
// PostgreSQL), and SQLITE_BUSY is their SQLite form: the store runs the whole
// transaction again (bounded, with jittered backoff), says so through onLockRetry, and
// never lets one surface as a 500. The deadlock here is a real one: two transactions on
// two connections lock two rows in opposite orders.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { classifyFault, DEFAULT_RETRY, retryBusy, StorageError } from '../../src/store/faults.ts';
import { rawDatabase } from '../../src/store/raw-database.ts';
import { Store } from '../../src/store/store.ts';
import { removeTestData, testDatabaseUrl, testDialect } from '../helpers/database.ts';

describe('lock conflicts', () => {
  let dataDir: string;
  let store: Store;
  const retries: Array<{ error: unknown; attempt: number }> = [];

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-locks-'));
    store = await Store.open(await testDatabaseUrl(dataDir), { onLockRetry: (error, attempt) => retries.push({ error, attempt }) });
  });

  after(async () => {
    await store?.close();
    await removeTestData(dataDir);
  });

  it('a transaction that loses a real deadlock is run again and both transactions commit', { skip: testDialect === 'sqlite' ? 'SQLite has one writer: no deadlock between two transactions' : false }, async () => {
    await store.loadBalance.save(
      new Map([
        ['deadlock-a', '0'],
        ['deadlock-b', '0'],
      ]),
      1,
    );
    retries.length = 0;
    // Both first statements must hold their row lock before either takes its second one.
    let arrived = 0;
    let bothLocked!: () => void;
    const barrier = new Promise<void>((resolve) => (bothLocked = resolve));
    const attempts = { forward: 0, backward: 0 };
    const lockBoth = (direction: 'forward' | 'backward', first: string, second: string) =>
      rawDatabase(store)
        .db.transaction()
        .execute(async (trx) => {
          attempts[direction] += 1;
          const bump = (key: string) =>
            trx
              .updateTable('load_balance_state')
              .set({ value: sql<string>`concat(value, ${sql.lit(direction[0]!)})` })
              .where('state_key', '=', key)
              .execute();
          await bump(first);
          if (attempts[direction] === 1) {
            if (++arrived === 2) bothLocked();
            await barrier;
          }
          await bump(second);
        });
    await Promise.all([lockBoth('forward', 'deadlock-a', 'deadlock-b'), lockBoth('backward', 'deadlock-b', 'deadlock-a')]);

    // At least one of the two was the deadlock's victim and ran again (its retry can meet
    // the survivor once more before the survivor takes the freed row: then again).
    const total = attempts.forward + attempts.backward;
    assert.ok(total >= 3, `a victim ran again: ${JSON.stringify(attempts)}`);
    assert.equal(retries.length, total - 2, 'every retry was reported (the server logs it at warn)');
    for (const retry of retries) assert.equal(classifyFault(retry.error), 'busy');
    // Each committed exactly once: the victim's first attempt left nothing behind.
    const values = await store.loadBalance.load(['deadlock-a', 'deadlock-b']);
    for (const key of ['deadlock-a', 'deadlock-b']) assert.equal([...values.get(key)!].sort().join(''), '0bf', key);
  });

  it('SQLITE_BUSY from a second writer is a lock conflict, not an error of the request', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cronfleet-busy-'));
    const first = new DatabaseSync(join(dir, 'busy.db'));
    const second = new DatabaseSync(join(dir, 'busy.db'));
    try {
      first.exec('create table t (x integer)');
      second.exec('PRAGMA busy_timeout = 0');
      first.exec('begin immediate');
      let busy: unknown;
      try {
        second.exec('begin immediate');
      } catch (error) {
        busy = error;
      }
      assert.ok(busy, 'the second writer was refused');
      assert.equal(classifyFault(busy), 'busy');
      first.exec('rollback');
    } finally {
      first.close();
      second.close();
    }
  });

  it('a conflict that outlasts the retries is a 503 with a retryable code, never a 500', async () => {
    let calls = 0;
    const deadlock = Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { code: 'ER_LOCK_DEADLOCK', errno: 1213, sqlMessage: 'Deadlock found' });
    const failure = await retryBusy({ ...DEFAULT_RETRY, baseDelayMs: 1 }, async () => {
      calls += 1;
      throw deadlock;
    }).catch((error: unknown) => error);
    assert.equal(calls, DEFAULT_RETRY.attempts);
    assert.ok(failure instanceof StorageError);
    assert.equal(failure.code, 'storage_busy');
    assert.equal(failure.status, 503);
    assert.equal(failure.details?.retryable, true);
  });

  it('an error that is not a fault (a constraint) is not retried', async () => {
    let calls = 0;
    const duplicate = Object.assign(new Error('duplicate key'), { code: '23505', severity: 'ERROR' });
    await assert.rejects(
      retryBusy(DEFAULT_RETRY, async () => {
        calls += 1;
        throw duplicate;
      }),
      (error) => error === duplicate,
    );
    assert.equal(calls, 1);
  });
});
