// Kysely's SQLite dialect over Node's built-in node:sqlite (no native addon).
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteDialect } from 'kysely';
import { classifyFault } from './faults.ts';

const STATEMENT_CACHE_SIZE = 256;

/**
 * Opens the database in WAL mode. `exclusive` is set when the shared-memory index of the
 * WAL (the -shm file beside the database) could not be created: on a full disk, SQLite
 * then cannot even read. In exclusive locking mode SQLite keeps that index in this
 * process's memory instead, so the server still starts, reads, and writes again as soon
 * as space returns; the price is that no other process can open the file meanwhile,
 * which a SQLite deployment (one instance) does not need. Until the next start.
 */
export function openSqlite(path: string): { dialect: SqliteDialect; raw: DatabaseSync; exclusive: boolean } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let raw = new DatabaseSync(path);
  let exclusive = false;
  try {
    raw.exec('PRAGMA journal_mode = WAL');
  } catch (error) {
    if (classifyFault(error) !== 'disk_full' && classifyFault(error) !== 'io_error') throw error;
    raw.close();
    raw = new DatabaseSync(path);
    // Before the first access to the WAL: only then is the -shm file never needed.
    raw.exec('PRAGMA locking_mode = EXCLUSIVE');
    raw.exec('PRAGMA journal_mode = WAL');
    exclusive = true;
  }
  raw.exec('PRAGMA synchronous = NORMAL');
  raw.exec('PRAGMA busy_timeout = 5000');
  raw.exec('PRAGMA foreign_keys = ON');
  // Preparing is a measurable share of a small query; keep the hot statements.
  const cache = new Map<string, StatementSync>();
  const prepare = (sql: string): StatementSync => {
    let statement = cache.get(sql);
    if (statement) {
      cache.delete(sql);
    } else {
      statement = raw.prepare(sql);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    }
    cache.set(sql, statement);
    return statement;
  };
  const database = {
    close: () => raw.close(),
    prepare(sql: string) {
      // SQLite ends a transaction by itself on some errors (SQLITE_FULL, SQLITE_IOERR,
      // SQLITE_BUSY in a write): Kysely's rollback would then fail with "no transaction
      // is active" and hide the real error, so a rollback with nothing to undo does nothing.
      if (sql === 'rollback') return { reader: false, all: () => [], run: () => (raw.isTransaction ? raw.exec('rollback') : undefined, { changes: 0, lastInsertRowid: 0 }), iterate: () => [][Symbol.iterator]() };
      const statement = prepare(sql);
      return {
        reader: statement.columns().length > 0,
        all: (parameters: ReadonlyArray<unknown>) => statement.all(...(parameters as never[])),
        run: (parameters: ReadonlyArray<unknown>) => statement.run(...(parameters as never[])),
        iterate: (parameters: ReadonlyArray<unknown>) => statement.iterate(...(parameters as never[])),
      };
    },
  };
  return { dialect: new SqliteDialect({ database }), raw, exclusive };
}
