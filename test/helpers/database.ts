// The database a test runs on: SQLite by default; CRONFLEET_TEST_DATABASE=postgres or
// mysql runs the same tests on the machine's PostgreSQL or MariaDB. Each test data dir
// gets its own database, created here and dropped when the test is done, so runs never
// see each other's data. A database server that does not answer fails the test.
import { rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';

export type TestDialect = 'sqlite' | 'postgres' | 'mysql';

export const testDialect: TestDialect = parseDialect(process.env.CRONFLEET_TEST_DATABASE);

const postgresBase = process.env.CRONFLEET_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const mysqlBase = process.env.CRONFLEET_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

function parseDialect(value: string | undefined): TestDialect {
  if (value === undefined || value === '' || value === 'sqlite') return 'sqlite';
  if (value === 'postgres' || value === 'mysql') return value;
  throw new Error(`CRONFLEET_TEST_DATABASE must be sqlite, postgres or mysql, not '${value}'`);
}

/** A database name derived from the data dir, so a restarted server finds the same one. */
function databaseName(dataDir: string): string {
  return `cf_test_${basename(dataDir)
    .replace(/[^A-Za-z0-9]/g, '_')
    .toLowerCase()}`.slice(0, 60);
}

/** Creates (if needed) the test database for a data dir and returns its URL. */
export async function testDatabaseUrl(dataDir: string): Promise<string> {
  const name = databaseName(dataDir);
  switch (testDialect) {
    case 'sqlite':
      return `sqlite:${join(dataDir, 'cronfleet.db')}`;
    case 'postgres': {
      const admin = new pg.Client({ connectionString: `${postgresBase}/postgres` });
      await admin.connect();
      try {
        const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
        if (exists.rowCount === 0) await admin.query(`create database "${name}"`);
      } finally {
        await admin.end();
      }
      return `${postgresBase}/${name}`;
    }
    case 'mysql': {
      const admin = await createConnection(mysqlBase);
      try {
        await admin.query(`create database if not exists \`${name}\` character set utf8mb4`);
      } finally {
        await admin.end();
      }
      return `${mysqlBase}/${name}`;
    }
  }
}

/**
 * Drops a test's database. PostgreSQL's DROP DATABASE asks for a checkpoint, which can fail
 * for a moment on a busy server ("checkpoint request failed", seen once in CI): the drop is
 * tried again, and a database still there after that is reported, not made the test's
 * failure (the test has already been judged, and each data dir has its own name).
 */
export async function dropTestDatabase(dataDir: string): Promise<void> {
  const name = databaseName(dataDir);
  if (testDialect === 'sqlite') return;
  let lastError: unknown;
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      await dropOnce(name);
      return;
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
  process.emitWarning(`test database ${name} was not dropped: ${String(lastError)}`, { code: 'CRONFLEET_TEST_DROP' });
}

async function dropOnce(name: string): Promise<void> {
  if (testDialect === 'postgres') {
    const admin = new pg.Client({ connectionString: `${postgresBase}/postgres` });
    await admin.connect();
    try {
      await admin.query(`drop database if exists "${name}" with (force)`);
    } finally {
      await admin.end();
    }
  } else {
    const admin = await createConnection(mysqlBase);
    try {
      await admin.query(`drop database if exists \`${name}\``);
    } finally {
      await admin.end();
    }
  }
}

/** Drops a test's database and removes its data dir. */
export async function removeTestData(dataDir: string): Promise<void> {
  await dropTestDatabase(dataDir);
  rmSync(dataDir, { recursive: true, force: true });
}
