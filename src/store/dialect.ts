// One interface, several dialects: everything dialect-specific lives here as data or
// small functions, so repositories never branch on the database's name.
import { resolve } from 'node:path';
import { Kysely, MysqlDialect, PostgresDialect, sql, type Expression, type InsertQueryBuilder } from 'kysely';
import { CronfleetError } from '../protocol/errors.ts';
import type { Database } from './schema.ts';
import { openSqlite } from './sqlite.ts';

type ColumnType = 'varchar(64)' | 'varchar(255)' | 'text' | 'bigint' | Expression<unknown>;

export interface ColumnTypes {
  id: ColumnType;
  shortText: ColumnType;
  /** Unbounded text (MySQL's TEXT stops at 64 KiB, so it gets LONGTEXT). */
  longText: ColumnType;
  bigint: ColumnType;
}

export type DialectName = 'sqlite' | 'postgres' | 'mysql';

export interface DialectInfo {
  name: DialectName;
  types: ColumnTypes;
  /** Adds "skip rows that collide with a unique key" to an insert. */
  ignoreConflicts<O>(query: InsertQueryBuilder<Database, keyof Database, O>): InsertQueryBuilder<Database, keyof Database, O>;
  /** The database's clock in epoch ms: leases are judged by it, never by comparing machines. */
  now(db: Kysely<Database>): Promise<number>;
}

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: DialectInfo;
  close(): Promise<void>;
}

export interface PoolOptions {
  max: number;
  onIdleError?: (error: Error) => void;
}

const portable: ColumnTypes = { id: 'varchar(64)', shortText: 'varchar(255)', longText: 'text', bigint: 'bigint' };
const onConflictDoNothing = <O>(query: InsertQueryBuilder<Database, keyof Database, O>) => query.onConflict((conflict) => conflict.doNothing());


export function dialectOf(url: string): DialectName {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  if (url.startsWith('mysql://') || url.startsWith('mariadb://')) return 'mysql';
  if (url.startsWith('sqlite:') || !url.includes('://')) return 'sqlite';
  throw new CronfleetError('invalid_config', `database: unsupported URL scheme in '${redact(url)}'; use sqlite:./data/cronfleet.db, postgres://… or mysql://…`, { key: 'database' });
}

/**
 * Opens `sqlite:./path` (or a bare path), `postgres://…` or `mysql://…`. A driver is
 * loaded only for its own database (each costs megabytes of memory in every process).
 */
export async function openDatabase(url: string, pool: PoolOptions = { max: 10 }): Promise<OpenedDatabase> {
  switch (dialectOf(url)) {
    case 'sqlite': {
      const path = url.replace(/^sqlite:(\/\/)?/, '');
      const { dialect } = openSqlite(path === ':memory:' ? path : resolve(path));
      const db = new Kysely<Database>({ dialect });
      return {
        db,
        dialect: { name: 'sqlite', types: portable, ignoreConflicts: onConflictDoNothing, now: async () => Date.now() },
        close: () => db.destroy(),
      };
    }
    case 'postgres': {
      const { default: pg } = await import('pg');
      // BIGINT columns hold epoch milliseconds, well inside the safe integer range.
      pg.types.setTypeParser(20, (value) => Number(value));
      const pgPool = new pg.Pool({ connectionString: url, max: pool.max, connectionTimeoutMillis: 10_000 });
      // An idle connection dropped by the server (a restart, a failover) must not crash
      // the process: the pool replaces it and the next query reports any real outage.
      pgPool.on('error', (error) => pool.onIdleError?.(error));
      const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pgPool }) });
      return {
        db,
        dialect: {
          name: 'postgres',
          types: portable,
          ignoreConflicts: onConflictDoNothing,
          now: async (kysely) => Number((await sql<{ now: number }>`select (extract(epoch from clock_timestamp()) * 1000)::bigint as now`.execute(kysely)).rows[0]!.now),
        },
        close: () => db.destroy(),
      };
    }
    case 'mysql': {
      const { createPool: createMysqlPool } = await import('mysql2');
      const mysqlUrl = url.replace(/^mariadb:/, 'mysql:');
      const db = new Kysely<Database>({
        dialect: new MysqlDialect({
          pool: createMysqlPool({ uri: mysqlUrl, connectionLimit: pool.max, supportBigNumbers: true, bigNumberStrings: false, charset: 'utf8mb4', connectTimeout: 10_000, timezone: 'Z' }),
        }),
      });
      return {
        db,
        dialect: {
          name: 'mysql',
          types: { ...portable, longText: sql`longtext` },
          ignoreConflicts: (query) => query.ignore(),
          now: async (kysely) => Number((await sql<{ now: number }>`select cast(unix_timestamp(now(3)) * 1000 as signed) as now`.execute(kysely)).rows[0]!.now),
        },
        close: () => db.destroy(),
      };
    }
  }
}

/** A URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}
