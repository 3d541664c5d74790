// The SQLite driver's group commit (src/store/sqlite-driver.ts) and the padded `in` lists
// (src/store/padded-in-lists.ts), on a real database file: writes made together commit
// together (those that return rows too) and each caller hears of its own; a transaction
// holds the connection; padding changes no result.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type OpenedDatabase } from '../../src/store/dialect.ts';
import { padInLists } from '../../src/store/padded-in-lists.ts';
import { removeTestData } from '../helpers/database.ts';

describe('the SQLite driver', () => {
  let dir: string;
  let opened: OpenedDatabase;
  const count = async () => Number((await sql<{ n: number }>`select count(*) as n from notes`.execute(opened.db)).rows[0]!.n);
  const insert = (id: number) => sql`insert into notes (id, body) values (${id}, ${`note ${id}`})`.execute(opened.db);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronfleet-sqlite-driver-'));
    opened = await openDatabase(`sqlite:${join(dir, 'driver.db')}`);
    await sql`create table notes (id integer primary key, body text not null)`.execute(opened.db);
  });
  after(async () => {
    await opened.close();
    await removeTestData(dir);
  });

  it('commits writes made together, and a failed one fails only its caller', async () => {
    const before = await count();
    const results = await Promise.allSettled([insert(1001), insert(1002), insert(1001), insert(1003)]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((results[2] as PromiseRejectedResult).reason), /UNIQUE|constraint/i);
    assert.equal(await count(), before + 3);
  });

  it('answers a write only once it is committed: another connection sees it then', async () => {
    const { DatabaseSync } = await import('node:sqlite');
    const other = new DatabaseSync(join(dir, 'driver.db'), { readOnly: true });
    try {
      await insert(2001);
      assert.equal((other.prepare('select count(*) as n from notes where id = 2001').get() as { n: number }).n, 1);
    } finally {
      other.close();
    }
  });

  it('keeps a rolled-back transaction to itself while writes outside it go on', async () => {
    const before = await count();
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const transaction = opened.db.transaction().execute(async (trx) => {
      await sql`insert into notes (id, body) values (3001, 'in the transaction')`.execute(trx);
      await held;
      throw new Error('undo');
    });
    // Waits for the transaction to end, and is not undone with it.
    const outside = insert(3002);
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await assert.rejects(transaction, /undo/);
    await outside;
    const ids = (await sql<{ id: number }>`select id from notes where id in (3001, 3002)`.execute(opened.db)).rows.map((row) => Number(row.id));
    assert.deepEqual(ids, [3002]);
    assert.equal(await count(), before + 1);
  });

  it('runs two transactions one after the other', async () => {
    const before = await count();
    await Promise.all(
      [4001, 4002, 4003].map((id) =>
        opened.db.transaction().execute(async (trx) => {
          await sql`insert into notes (id, body) values (${id}, 'one')`.execute(trx);
          await new Promise((resolve) => setTimeout(resolve, 5));
          await sql`update notes set body = 'two' where id = ${id}`.execute(trx);
        }),
      ),
    );
    assert.equal(await count(), before + 3);
  });

  it('takes a write that returns rows (update … returning) into the group commit', async () => {
    await sql`create table replies (id integer primary key, note integer references notes (id) deferrable initially deferred)`.execute(opened.db);
    await insert(5001);
    // The second write breaks a foreign key checked at commit: the commit they share fails, and both hear it.
    const results = await Promise.allSettled([sql`update notes set body = 'edited' where id = 5001 returning id`.execute(opened.db), sql`insert into replies (id, note) values (1, 999999)`.execute(opened.db)]);
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected'],
    );
    const body = await sql<{ body: string }>`select body from notes where id = 5001`.execute(opened.db);
    assert.equal(body.rows[0]!.body, 'note 5001');
  });

  it('pads long in lists to a power of two, with the same rows', async () => {
    const ids = Array.from({ length: 9 }, (_, index) => String(1001 + index));
    const compiled = opened.db.selectFrom('tasks').select('id').where('status', '=', 'active').where('id', 'in', ids).where('version', '>', 1).compile();
    const padded = padInLists(compiled);
    assert.equal((padded.sql.match(/\?/g) ?? []).length, 18);
    assert.deepEqual(padded.parameters, ['active', ...ids, ...Array<string>(7).fill('1009'), 1]);
    const short = opened.db.selectFrom('tasks').select('id').where('id', 'in', ['a', 'b']).compile();
    assert.equal(padInLists(short), short);
    // A `?` in a literal cannot be told from a placeholder: such a query is left as it is.
    const literal = sql`select id from tasks where name = '?' and id in (${sql.join(ids)})`.compile(opened.db);
    assert.equal(padInLists(literal), literal);
    for (const length of [9, 100, 1000]) {
      const list = Array.from({ length }, (_, index) => 1000 + index);
      const inside = await sql<{ id: number }>`select id from notes`.execute(opened.db);
      const expected = inside.rows.map((row) => Number(row.id)).filter((id) => list.includes(id));
      const found = await opened.db
        .selectFrom('notes' as never)
        .select('id' as never)
        .where('id' as never, 'in', list as never)
        .orderBy('id' as never)
        .execute();
      assert.deepEqual(
        found.map((row) => Number((row as { id: number }).id)),
        expected.sort((a, b) => a - b),
      );
      const outside = await opened.db
        .selectFrom('notes' as never)
        .select('id' as never)
        .where('id' as never, 'not in', list as never)
        .execute();
      assert.equal(outside.length, inside.rows.length - expected.length);
    }
  });
});
