// One interface, several dialects: everything dialect-specific lives here as data or
// small functions, so repositories never branch on the database's name.
import { Kysely, type InsertQueryBuilder, type InsertResult } from 'kysely';
import { resolve } from 'node:path';
import { CronfleetError } from '../protocol/errors.ts';
import { openSqlite } from './sqlite.ts';
import type { Database } from './schema.ts';

export interface ColumnTypes {
  id: 'varchar(64)';
  shortText: 'varchar(255)';
  longText: 'text';
  bigint: 'bigint';
}

export interface DialectInfo {
  name: 'sqlite' | 'postgres' | 'mysql';
  types: ColumnTypes;
  /** Adds "skip rows that collide with a unique key" to an insert. */
  ignoreConflicts<O>(query: InsertQueryBuilder<Database, keyof Database, O>): InsertQueryBuilder<Database, keyof Database, O>;
}

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: DialectInfo;
  close(): Promise<void>;
}

const portableTypes: ColumnTypes = { id: 'varchar(64)', shortText: 'varchar(255)', longText: 'text', bigint: 'bigint' };

/** Opens `sqlite:./path`, a bare file path, or (later) postgres:// and mysql:// URLs. */
export function openDatabase(url: string): OpenedDatabase {
  if (url.startsWith('sqlite:') || !url.includes('://')) {
    const path = url.replace(/^sqlite:(\/\/)?/, '');
    const { dialect } = openSqlite(path === ':memory:' ? path : resolve(path));
    const db = new Kysely<Database>({ dialect });
    return {
      db,
      dialect: { name: 'sqlite', types: portableTypes, ignoreConflicts: (query) => query.onConflict((conflict) => conflict.doNothing()) },
      close: () => db.destroy(),
    };
  }
  const scheme = url.split('://')[0];
  throw new CronfleetError('invalid_config', `database: '${scheme}' is not supported yet; use sqlite:./data/cronfleet.db`, { key: 'database' });
}

export type { InsertResult };
