// The SQLite database file: owner-only (it holds sealed secrets and the audit log), with
// its -wal and -shm; created with auto_vacuum=INCREMENTAL so that deleted history gives
// its space back; an older file (0644, auto_vacuum off) is tightened and converted once
// at open, with a log line for each, and keeps its data.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { rawDatabase } from '../../src/store/raw-database.ts';
import { Store } from '../../src/store/store.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

async function pragma(store: Store, name: 'auto_vacuum' | 'freelist_count' | 'page_count'): Promise<number> {
  const result = await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(rawDatabase(store).db);
  return Number(Object.values(result.rows[0]!)[0]);
}

describe('the SQLite database file', () => {
  const work = mkdtempSync(join(tmpdir(), 'cronfleet-sqlite-files-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('is created with mode 0600, its -wal and -shm too, and with auto_vacuum=incremental', async () => {
    const path = join(work, 'new', 'cronfleet.db');
    const notices: string[] = [];
    const store = await Store.open(`sqlite:${path}`, { onNotice: (_level, message) => notices.push(message) });
    try {
      await store.tasks.earliestFireAt(); // the WAL and its index exist once it has been read
      for (const file of [path, `${path}-wal`, `${path}-shm`]) assert.equal(modeOf(file).toString(8), '600', file);
      assert.equal(await pragma(store, 'auto_vacuum'), 2, 'incremental');
      assert.deepEqual(notices, [], 'nothing to report on a new file');
    } finally {
      await store.close();
    }
  });

  it('an older file readable by others (and its -wal and -shm) is tightened to 0600 at open and converted to auto_vacuum=incremental once, keeping its rows', async () => {
    const path = join(work, 'old.db');
    // As earlier versions left it: 0644, auto_vacuum off, in WAL mode, with rows.
    const old = new DatabaseSync(path);
    old.exec('PRAGMA journal_mode = WAL');
    old.exec('create table notes (body text)');
    old.exec('begin');
    for (let index = 0; index < 2000; index++) old.prepare('insert into notes (body) values (?)').run(`note ${index} ${'x'.repeat(500)}`);
    old.exec('commit');
    chmodSync(path, 0o644);
    for (const suffix of ['-wal', '-shm']) chmodSync(`${path}${suffix}`, 0o644);
    assert.equal(Number((old.prepare('pragma auto_vacuum').get() as { auto_vacuum: number }).auto_vacuum), 0);

    const notices: Array<{ level: string; message: string }> = [];
    const store = await Store.open(`sqlite:${path}`, { onNotice: (level, message) => notices.push({ level, message }) });
    try {
      for (const file of [path, `${path}-wal`, `${path}-shm`]) assert.equal(modeOf(file).toString(8), '600', file);
      assert.equal(notices.filter(({ message }) => /tightened to 600/.test(message)).length, 3, JSON.stringify(notices));
      assert.ok(
        notices.some(({ level, message }) => level === 'info' && /converted in \d+ ms/.test(message)),
        JSON.stringify(notices),
      );
      assert.equal(await pragma(store, 'auto_vacuum'), 2);
      const count = await sql<{ n: number }>`select count(*) as n from notes`.execute(rawDatabase(store).db);
      assert.equal(Number(count.rows[0]!.n), 2000, 'the rows are kept');

      // Deleted rows' pages go back to the file system on an incremental vacuum.
      await sql`delete from notes`.execute(rawDatabase(store).db);
      const pagesBefore = await pragma(store, 'page_count');
      assert.ok((await pragma(store, 'freelist_count')) > 100);
      await sql`pragma incremental_vacuum`.execute(rawDatabase(store).db);
      assert.equal(await pragma(store, 'freelist_count'), 0);
      assert.ok((await pragma(store, 'page_count')) < pagesBefore - 100);
    } finally {
      await store.close();
      old.close();
    }

    // Converted once: the next open has nothing to say.
    const again: string[] = [];
    const reopened = await Store.open(`sqlite:${path}`, { onNotice: (_level, message) => again.push(message) });
    await reopened.close();
    assert.deepEqual(again, []);
  });
});
