// One interface, several dialects: everything dialect-specific lives here as data or
// small functions, so repositories never branch on the database's name.
import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MysqlDialect, PostgresDialect, sql, type Expression, type InsertQueryBuilder, type Kysely, type RawBuilder } from 'kysely';
import { CronfleetError } from '../protocol/errors.ts';
import { DEFAULT_RETRY, StorageError, StorageHealth, type RetryPolicy } from './faults.ts';
import { resilientDialect, StoreDatabase } from './resilient-database.ts';
import type { Database } from './schema.ts';
import { openSqlite, type SqliteNotice } from './sqlite.ts';

type ColumnType = 'varchar(64)' | 'varchar(255)' | 'text' | 'bigint' | Expression<unknown>;

export interface ColumnTypes {
  id: ColumnType;
  shortText: ColumnType;
  /** Unbounded text (MySQL's TEXT stops at 64 KiB, so it gets LONGTEXT). */
  longText: ColumnType;
  bigint: ColumnType;
}

type DialectName = 'sqlite' | 'postgres' | 'mysql';

/**
 * What a database can do, as flags and small functions (like Kysely's own adapters'
 * `supportsReturning`): repositories ask for a capability, never for a database's name.
 */
export interface DialectInfo {
  /** For messages and benchmarks' labels only. */
  name: DialectName;
  types: ColumnTypes;
  /** `select … for update` locks the rows read (PostgreSQL, MySQL); SQLite has one writer and no such clause. */
  supportsForUpdate: boolean;
  /**
   * A locking read over a secondary index also locks the gaps around the rows (InnoDB's
   * next-key locks), so it deadlocks with concurrent inserts into that index.
   */
  lockingReadsLockGaps: boolean;
  /** An UPDATE can name the rows it changed (`returning`): PostgreSQL, SQLite; MySQL and MariaDB cannot. */
  supportsReturning: boolean;
  /** Connections can push notifications to each other (LISTEN/NOTIFY); elsewhere listeners poll. */
  supportsNotify: boolean;
  /**
   * An epoch-ms parameter where the database cannot infer its type: PostgreSQL takes a
   * parameter in `case … then $1` for text unless it is cast.
   */
  bigintParameter(value: number | null): RawBuilder<number | null>;
  /** Adds "skip rows that collide with a unique key" to an insert. */
  ignoreConflicts<O>(query: InsertQueryBuilder<Database, keyof Database, O>): InsertQueryBuilder<Database, keyof Database, O>;
  /** The database's clock in epoch ms: leases are judged by it, never by comparing machines. */
  now(db: Kysely<Database>): Promise<number>;
  /** Free bytes where the database writes, when this process can see it (SQLite's directory); else null. */
  freeBytes(): number | null;
  /**
   * Gives up to `maxPages` free pages back to the file system after deletes; returns the
   * free pages left. SQLite: `PRAGMA incremental_vacuum` (a no-op unless the file was
   * created with auto_vacuum=INCREMENTAL); PostgreSQL and MariaDB reuse freed space
   * themselves (autovacuum, InnoDB purge): 0.
   */
  reclaimSpace(db: Kysely<Database>, maxPages: number): Promise<number>;
  /** The database's size on disk in bytes (data and indexes), or null when it cannot be read. */
  sizeBytes(db: Kysely<Database>): Promise<number | null>;
}

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: DialectInfo;
  /** Write faults not yet followed by a successful write (disk full): see faults.ts. */
  health: StorageHealth;
  close: () => Promise<void>;
}

export interface PoolOptions {
  max: number;
  /** Errors of connections that no statement is waiting on (idle, or checked out between statements). */
  onIdleError?: (error: Error) => void;
  /** A lock conflict is being retried (logged at warn by the server). */
  onRetry?: RetryPolicy['onRetry'];
  /** What opening did to the database file (SQLite: a mode tightened to 0600, a conversion). */
  onNotice?: SqliteNotice;
}

const portable: ColumnTypes = { id: 'varchar(64)', shortText: 'varchar(255)', longText: 'text', bigint: 'bigint' };
const untyped = (value: number | null) => sql<number | null>`${value}`;
const onConflictDoNothing = <O>(query: InsertQueryBuilder<Database, keyof Database, O>) => query.onConflict((conflict) => conflict.doNothing());

function dialectOf(url: string): DialectName {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return 'postgres';
  if (url.startsWith('mysql://') || url.startsWith('mariadb://')) return 'mysql';
  if (url.startsWith('sqlite:') || !url.includes('://')) return 'sqlite';
  throw new CronfleetError('invalid_config', `database: unsupported URL scheme in '${redact(url)}'; use sqlite:./data/cronfleet.db, postgres://… or mysql://…`, { key: 'database' });
}

/** The absolute path of a SQLite database URL (`sqlite:./path` or a bare path); null for a server database. */
export function sqliteFileOf(url: string): string | null {
  if (dialectOf(url) !== 'sqlite') return null;
  const path = url.replace(/^sqlite:(\/\/)?/, '');
  return path === ':memory:' ? path : resolve(path);
}

/**
 * Opens `sqlite:./path` (or a bare path), `postgres://…` or `mysql://…`. A driver is
 * loaded only for its own database (each costs megabytes of memory in every process).
 */
export async function openDatabase(url: string, pool: PoolOptions = { max: 10 }): Promise<OpenedDatabase> {
  const health = new StorageHealth();
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...(pool.onRetry ? { onRetry: pool.onRetry } : {}) };
  const onError = (error: Error) => pool.onIdleError?.(error);
  switch (dialectOf(url)) {
    case 'sqlite': {
      const path = url.replace(/^sqlite:(\/\/)?/, '');
      const file = path === ':memory:' ? path : resolve(path);
      const { dialect, exclusive } = openSqlite(file, pool.onNotice);
      if (exclusive) onError(new StorageError('disk_full', `${file}: no room for the WAL index (disk full?); opened in exclusive locking mode until the next start`));
      const db = new StoreDatabase({ dialect: resilientDialect(dialect, health, policy) }, policy);
      return {
        db,
        health,
        dialect: {
          name: 'sqlite',
          types: portable,
          supportsForUpdate: false,
          lockingReadsLockGaps: false,
          supportsReturning: true,
          supportsNotify: false,
          bigintParameter: untyped,
          ignoreConflicts: onConflictDoNothing,
          now: async () => Date.now(),
          freeBytes: () => (file === ':memory:' ? null : freeBytesAt(dirname(file))),
          reclaimSpace: async (kysely, maxPages) => {
            await sql`pragma incremental_vacuum(${sql.lit(Math.trunc(maxPages))})`.execute(kysely);
            const free = await sql<{ freelist_count: unknown }>`pragma freelist_count`.execute(kysely);
            const autoVacuum = await sql<{ auto_vacuum: unknown }>`pragma auto_vacuum`.execute(kysely);
            // Without incremental auto-vacuum the free pages stay (SQLite reuses them): nothing to wait for.
            return Number(autoVacuum.rows[0]?.auto_vacuum) === 2 ? Number(free.rows[0]?.freelist_count ?? 0) : 0;
          },
          // The pages in use: the file also holds free pages (until reclaimed) and the WAL beside it.
          sizeBytes: async (kysely) => {
            const count = await sql<{ page_count: unknown }>`pragma page_count`.execute(kysely);
            const size = await sql<{ page_size: unknown }>`pragma page_size`.execute(kysely);
            return Number(count.rows[0]?.page_count) * Number(size.rows[0]?.page_size);
          },
        },
        close: () => db.destroy(),
      };
    }
    case 'postgres': {
      const { default: pg } = await import('pg');
      // BIGINT columns hold epoch milliseconds, well inside the safe integer range.
      pg.types.setTypeParser(20, (value) => Number(value));
      // keepAlive: a peer that vanished without a FIN (a cut link) is noticed by the kernel.
      const pgPool = new pg.Pool({ connectionString: url, max: pool.max, connectionTimeoutMillis: 10_000, keepAlive: true });
      // A connection dropped by the server (a restart, a failover, a cut link) must not
      // crash the process: an 'error' event without a listener does. The pool listens
      // to its idle clients; a checked-out client with no query running (between two
      // statements of a transaction) emits on itself, so every client gets a listener
      // for its whole life. The pool discards the broken client on release and the
      // next statement reports any real outage (a StorageError, 503).
      pgPool.on('error', onError);
      pgPool.on('connect', (client) => client.on('error', onError));
      const db = new StoreDatabase({ dialect: resilientDialect(new PostgresDialect({ pool: pgPool }), health, policy) }, policy);
      return {
        db,
        health,
        dialect: {
          name: 'postgres',
          types: portable,
          supportsForUpdate: true,
          lockingReadsLockGaps: false,
          supportsReturning: true,
          supportsNotify: true,
          bigintParameter: (value) => sql<number | null>`cast(${value} as bigint)`,
          ignoreConflicts: onConflictDoNothing,
          now: async (kysely) => Number((await sql<{ now: number }>`select (extract(epoch from clock_timestamp()) * 1000)::bigint as now`.execute(kysely)).rows[0]!.now),
          freeBytes: () => null,
          reclaimSpace: async () => 0,
          sizeBytes: async (kysely) => Number((await sql<{ size: unknown }>`select pg_database_size(current_database()) as size`.execute(kysely)).rows[0]!.size),
        },
        close: () => db.destroy(),
      };
    }
    case 'mysql': {
      const { createPool: createMysqlPool } = await import('mysql2');
      const mysqlUrl = url.replace(/^mariadb:/, 'mysql:');
      const mysqlPool = createMysqlPool({ uri: mysqlUrl, connectionLimit: pool.max, supportBigNumbers: true, bigNumberStrings: false, charset: 'utf8mb4', connectTimeout: 10_000, timezone: 'Z', enableKeepAlive: true });
      // mysql2 connections emit 'error' when the link breaks outside a query; the pool's
      // own listener is a `once`, so a second error would end the process. Listen for
      // the connection's whole life (the pool drops it; the next query reports the outage).
      mysqlPool.on('connection', (connection) => connection.on('error', onError));
      const db = new StoreDatabase({ dialect: resilientDialect(new MysqlDialect({ pool: mysqlPool }), health, policy) }, policy);
      return {
        db,
        health,
        dialect: {
          name: 'mysql',
          types: { ...portable, longText: sql`longtext` },
          supportsForUpdate: true,
          lockingReadsLockGaps: true,
          supportsReturning: false,
          supportsNotify: false,
          bigintParameter: untyped,
          ignoreConflicts: (query) => query.ignore(),
          now: async (kysely) => Number((await sql<{ now: number }>`select cast(unix_timestamp(now(3)) * 1000 as signed) as now`.execute(kysely)).rows[0]!.now),
          freeBytes: () => null,
          reclaimSpace: async () => 0,
          sizeBytes: async (kysely) => {
            const result = await sql<{ size: unknown }>`select coalesce(sum(data_length + index_length), 0) as size from information_schema.tables where table_schema = database()`.execute(kysely);
            return Number(result.rows[0]!.size);
          },
        },
        close: () => db.destroy(),
      };
    }
  }
}

function freeBytesAt(directory: string): number | null {
  try {
    const stats = statfsSync(directory);
    return stats.bavail * stats.bsize;
  } catch {
    return null;
  }
}

/** A URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
}
