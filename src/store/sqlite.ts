// Kysely's SQLite dialect over Node's built-in node:sqlite (no native addon).
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { chmodSync, closeSync, mkdirSync, openSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Dialect } from 'kysely';
import { classifyFault } from './faults.ts';
import { GroupCommitDialect, type SqliteHandle, type SqliteStatement } from './sqlite-driver.ts';

const STATEMENT_CACHE_SIZE = 256;

/** A line for the server's log about the database file (a mode tightened, a conversion). */
export type SqliteNotice = (level: 'info' | 'warn', message: string) => void;

/**
 * The database holds sealed secrets, password hashes and the audit log: owner only.
 * SQLite creates its -wal and -shm files with the mode of the database file, so a file
 * created (or tightened) to 0600 before SQLite first opens it gives all three 0600.
 */
export const DATABASE_FILE_MODE = 0o600;

/** The -wal and -shm files SQLite keeps beside a database in WAL mode. */
export const SQLITE_SIDE_FILES = ['-wal', '-shm'] as const;

/**
 * Creates the database file empty with mode 0600 when it does not exist (SQLite would
 * create it 0644), and tightens an existing one (and its -wal/-shm) that others can read.
 */
function protectDatabaseFile(path: string, notice: SqliteNotice = () => {}): void {
  try {
    closeSync(openSync(path, 'wx', DATABASE_FILE_MODE));
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (const file of [path, ...SQLITE_SIDE_FILES.map((suffix) => `${path}${suffix}`)]) {
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue; // no such side file
    }
    if ((mode & 0o077) === 0) continue;
    try {
      chmodSync(file, mode & 0o700);
      notice('info', `${file} was readable by others (mode ${mode.toString(8)}); tightened to ${(mode & 0o700).toString(8)} (it holds sealed secrets and the audit log)`);
    } catch (error) {
      notice('warn', `${file} is readable by others (mode ${mode.toString(8)}) and could not be tightened: ${(error as Error).message}`);
    }
  }
}

// PRAGMA auto_vacuum's value when it is off (1 is FULL, 2 INCREMENTAL).
const AUTO_VACUUM_NONE = 0;

/**
 * Deleted rows leave free pages in the file; with auto_vacuum = INCREMENTAL the retention
 * cleanup gives them back to the file system (`PRAGMA incremental_vacuum`). The mode can
 * only be chosen before the first table exists (and before the WAL switch writes the
 * header), so a new database gets it here, first thing.
 *
 * A database created before this (auto_vacuum NONE) is converted once, by a VACUUM at
 * open: those are the installs with the longest history, whose first cleanup deletes the
 * most, and without the conversion the file would never shrink. A VACUUM rewrites the
 * whole file (about 10 s per GB here) and needs about twice its size free, so it runs
 * only when the room is there; otherwise, or if it fails, the database keeps working as
 * it is and the next start tries again. Never in the exclusive (full disk) mode.
 */
function chooseAutoVacuum(raw: DatabaseSync, path: string, notice: SqliteNotice): void {
  const hasTables = Number((raw.prepare('select count(*) as n from sqlite_master').get() as { n: number }).n) > 0;
  if (!hasTables) {
    raw.exec('PRAGMA auto_vacuum = INCREMENTAL');
    return;
  }
  if (Number((raw.prepare('PRAGMA auto_vacuum').get() as { auto_vacuum: number }).auto_vacuum) !== AUTO_VACUUM_NONE) return;
  if (path === ':memory:') return;
  const size = statSync(path).size;
  let free = Infinity;
  try {
    const stats = statfsSync(dirname(path));
    free = stats.bavail * stats.bsize;
  } catch {
    // unknown: try
  }
  const needed = 2 * size + 16 * 1024 * 1024;
  if (free < needed) {
    notice('warn', `${path} does not give deleted space back (auto_vacuum off); converting it needs ${Math.ceil(needed / 1048576)} MiB free, only ${Math.floor(free / 1048576)} MiB are; trying again at the next start`);
    return;
  }
  notice('info', `${path}: converting to auto_vacuum=incremental (a one-time VACUUM of ${Math.ceil(size / 1048576)} MiB) so that deleted history gives its space back`);
  const started = Date.now();
  try {
    raw.exec('PRAGMA auto_vacuum = INCREMENTAL');
    raw.exec('VACUUM');
    notice('info', `${path}: converted in ${Date.now() - started} ms`);
  } catch (error) {
    notice('warn', `${path}: the conversion to auto_vacuum=incremental failed (${(error as Error).message}); the database is unchanged and works as before; trying again at the next start`);
  }
}

/**
 * Opens the database in WAL mode. `exclusive` is set when the shared-memory index of the
 * WAL (the -shm file beside the database) could not be created: on a full disk, SQLite
 * then cannot even read. In exclusive locking mode SQLite keeps that index in this
 * process's memory instead, so the server still starts, reads, and writes again as soon
 * as space returns; the price is that no other process can open the file meanwhile,
 * which a SQLite deployment (one instance) does not need. Until the next start.
 */
export function openSqlite(path: string, notice: SqliteNotice = () => {}): { dialect: Dialect; raw: DatabaseSync; exclusive: boolean } {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
    protectDatabaseFile(path, notice);
  }
  let raw = new DatabaseSync(path);
  let exclusive = false;
  try {
    raw.exec('PRAGMA busy_timeout = 5000');
    chooseAutoVacuum(raw, path, notice);
    raw.exec('PRAGMA journal_mode = WAL');
  } catch (error) {
    if (classifyFault(error) !== 'disk_full' && classifyFault(error) !== 'io_error') throw error;
    raw.close();
    raw = new DatabaseSync(path);
    // Before the first access to the WAL: only then is the -shm file never needed.
    raw.exec('PRAGMA locking_mode = EXCLUSIVE');
    if (Number((raw.prepare('select count(*) as n from sqlite_master').get() as { n: number }).n) === 0) raw.exec('PRAGMA auto_vacuum = INCREMENTAL');
    raw.exec('PRAGMA journal_mode = WAL');
    exclusive = true;
  }
  raw.exec('PRAGMA synchronous = NORMAL');
  // A checkpoint copies the WAL's pages into the file and syncs both. Every commit rewrites
  // the same hot pages (the executions table's index leaves), which a checkpoint copies once:
  // one every 10,000 pages (a WAL of up to 40 MB) instead of SQLite's 1,000 ran on-demand
  // runs about 15 % faster. The WAL is reused from its start after each checkpoint.
  raw.exec('PRAGMA wal_autocheckpoint = 10000');
  raw.exec('PRAGMA busy_timeout = 5000');
  raw.exec('PRAGMA foreign_keys = ON');
  // Preparing is a measurable share of a small query, and so is asking a statement for its
  // columns (a new array of objects each time): keep the hot statements and whether they read.
  const cache = new Map<string, SqliteStatement>();
  const prepare = (sql: string): SqliteStatement => {
    let prepared = cache.get(sql);
    if (prepared) {
      cache.delete(sql);
    } else {
      prepared = wrap(raw.prepare(sql), sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, prepared);
    return prepared;
  };
  const handle: SqliteHandle = {
    prepare,
    exec: (sql) => raw.exec(sql),
    get isTransaction() {
      return raw.isTransaction;
    },
    close: () => raw.close(),
  };
  return { dialect: new GroupCommitDialect(handle), raw, exclusive };
}

/** A statement that returns rows and still writes (node:sqlite cannot say which statements write). */
const WRITE_RETURNING = /^\s*(insert|update|delete|replace)\b/i;

/**
 * A statement with whether it returns rows and whether it writes. `PRAGMA incremental_vacuum`
 * frees one page per step, and node:sqlite's run() takes a single step: it is run to the
 * end, or each call would give back one page.
 */
function wrap(statement: StatementSync, sql: string): SqliteStatement {
  const run = (parameters: ReadonlyArray<unknown>) => statement.run(...(parameters as never[]));
  const all = (parameters: ReadonlyArray<unknown>) => statement.all(...(parameters as never[]));
  if (/^\s*pragma\s+incremental_vacuum\b/i.test(sql)) return { reader: false, writes: true, all: () => [], run: (parameters) => (all(parameters), { changes: 0, lastInsertRowid: 0 }) };
  const reader = statement.columns().length > 0;
  return { reader, writes: !reader || WRITE_RETURNING.test(sql), all, run };
}
