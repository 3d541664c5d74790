// The raw database limit: how many jobs per second the bare minimum of round trips
// moves through the same database engine, with no scheduler, HTTP or WebSocket around
// it. Each job is one autocommitted insert, one claim (the oldest unclaimed row, taken
// atomically) and one completion update: the three writes every execution needs.
import { DatabaseSync } from 'node:sqlite';
import { createConnection, createPool } from 'mysql2/promise';
import pg from 'pg';
import { createDatabase, perSecond, type Dialect } from './support.ts';

export async function rawDatabaseLimit(dialect: Dialect, jobs: number): Promise<Record<string, unknown>> {
  const database = await createDatabase(dialect, 'raw');
  try {
    const started = performance.now();
    if (dialect === 'sqlite') sqliteLoop(database.path, jobs);
    else if (dialect === 'postgres') await postgresLoop(database.url, jobs);
    else await mysqlLoop(database.url, jobs);
    const elapsed = performance.now() - started;
    return { jobs, elapsed_ms: Math.round(elapsed), jobs_per_second: perSecond(jobs, elapsed), shape: 'insert; claim oldest unclaimed; complete — each its own transaction' };
  } finally {
    await database.drop();
  }
}

/** One connection (as cronfleet on SQLite has), WAL and synchronous=NORMAL as cronfleet sets them. */
function sqliteLoop(path: string, jobs: number): void {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL');
  db.exec('create table jobs (id integer primary key autoincrement, payload text not null, state integer not null default 0, claimed_at integer)');
  db.exec('create index jobs_state on jobs (state, id)');
  const insert = db.prepare('insert into jobs (payload) values (?)');
  const claim = db.prepare('update jobs set state = 1, claimed_at = ? where id = (select id from jobs where state = 0 order by id limit 1) returning id');
  const complete = db.prepare('update jobs set state = 2 where id = ?');
  for (let i = 0; i < jobs; i++) {
    insert.run('{}');
    const row = claim.get(Date.now()) as { id: number } | undefined;
    if (row) complete.run(row.id);
  }
  db.close();
}

/** A producer with 16 inserts in flight and 2 claim loops, as 2 agents would claim. */
async function postgresLoop(url: string, jobs: number): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  try {
    await pool.query('create table jobs (id bigserial primary key, payload text not null, state int not null default 0, claimed_at bigint)');
    await pool.query('create index jobs_state on jobs (state, id)');
    let inserted = 0;
    let completed = 0;
    const producer = async () => {
      while (inserted < jobs) {
        inserted += 1;
        await pool.query('insert into jobs (payload) values ($1)', ['{}']);
      }
    };
    const claimer = async () => {
      while (completed < jobs) {
        const claimed = await pool.query('update jobs set state = 1, claimed_at = $1 where id = (select id from jobs where state = 0 order by id limit 1 for update skip locked) returning id', [Date.now()]);
        const row = claimed.rows[0] as { id: string } | undefined;
        if (!row) {
          await new Promise((done) => setImmediate(done));
          continue;
        }
        await pool.query('update jobs set state = 2 where id = $1', [row.id]);
        completed += 1;
      }
    };
    await Promise.all([...Array.from({ length: 16 }, producer), claimer(), claimer()]);
  } finally {
    await pool.end();
  }
}

async function mysqlLoop(url: string, jobs: number): Promise<void> {
  const setup = await createConnection(url);
  await setup.query('create table jobs (id bigint auto_increment primary key, payload text not null, state int not null default 0, claimed_at bigint, index jobs_state (state, id))');
  await setup.end();
  const pool = createPool({ uri: url, connectionLimit: 20 });
  try {
    let inserted = 0;
    let completed = 0;
    const producer = async () => {
      while (inserted < jobs) {
        inserted += 1;
        await pool.query('insert into jobs (payload) values (?)', ['{}']);
      }
    };
    const claimer = async () => {
      const connection = await pool.getConnection();
      try {
        while (completed < jobs) {
          await connection.beginTransaction();
          const [rows] = (await connection.query('select id from jobs where state = 0 order by id limit 1 for update skip locked')) as unknown as [Array<{ id: number }>];
          const row = rows[0];
          if (row) await connection.query('update jobs set state = 1, claimed_at = ? where id = ?', [Date.now(), row.id]);
          await connection.commit();
          if (!row) {
            await new Promise((done) => setImmediate(done));
            continue;
          }
          await connection.query('update jobs set state = 2 where id = ?', [row.id]);
          completed += 1;
        }
      } finally {
        connection.release();
      }
    };
    await Promise.all([...Array.from({ length: 16 }, producer), claimer(), claimer()]);
  } finally {
    await pool.end();
  }
}
