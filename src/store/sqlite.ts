// Kysely's SQLite dialect over Node's built-in node:sqlite (no native addon).
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteDialect } from 'kysely';

const STATEMENT_CACHE_SIZE = 256;

export function openSqlite(path: string): { dialect: SqliteDialect; raw: DatabaseSync } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new DatabaseSync(path);
  raw.exec('PRAGMA journal_mode = WAL');
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
      const statement = prepare(sql);
      return {
        reader: statement.columns().length > 0,
        all: (parameters: ReadonlyArray<unknown>) => statement.all(...(parameters as never[])),
        run: (parameters: ReadonlyArray<unknown>) => statement.run(...(parameters as never[])),
        iterate: (parameters: ReadonlyArray<unknown>) => statement.iterate(...(parameters as never[])),
      };
    },
  };
  return { dialect: new SqliteDialect({ database }), raw };
}
