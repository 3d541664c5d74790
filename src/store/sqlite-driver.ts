// Kysely's driver for node:sqlite, with group commit. One connection serves every caller
// (node:sqlite is synchronous: a statement runs to its end before anything else does).
//
// A write outside a transaction does not commit on its own: the first one opens a
// transaction, the writes that come in the same turn of the event loop join it, and it
// commits once that turn's callbacks have run (setImmediate). Each of those writes, and
// each read that ran inside that transaction, answers its caller only after the commit:
// a caller never goes on from a write that is not yet durable, nor from a read of one. A
// failed commit is rolled back, and every caller in it gets the error, as if each
// statement had failed on its own.
//
// Why: a single-row write costs a commit, and a commit writes every page the write
// touched (the executions table has ten b-trees) to the WAL. Writes made together share
// their pages: under load, one commit carries many of them.
//
// An explicit transaction (`db.transaction()`) first commits the writes waiting, and holds
// the connection until it ends: other callers wait for it, as they did behind Kysely's
// own lock for SQLite.
//
// Every statement's long `in` lists are padded first (padded-in-lists.ts).
import { SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type Kysely, type QueryResult } from 'kysely';
import { padInLists, type Query } from './padded-in-lists.ts';

/** A prepared statement as sqlite.ts hands it out (cached; knows whether it returns rows, and whether it writes). */
export interface SqliteStatement {
  reader: boolean;
  /** Writes, returning rows or not (`update … returning`): it joins the group commit. */
  writes: boolean;
  all(parameters: ReadonlyArray<unknown>): unknown[];
  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint };
}

/** The one open database: prepares statements, runs bare SQL, says whether a transaction is open. */
export interface SqliteHandle {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): void;
  readonly isTransaction: boolean;
  close(): void;
}

/** A batch commits at the latest after this many statements (bounds what one failure undoes). */
const MAX_BATCH = 1000;

/** Statements that must not run inside a transaction, or that a batch must not carry. */
const STANDALONE = /^\s*(vacuum|pragma|begin|commit|rollback|savepoint|release|attach|detach)\b/i;

/**
 * The drivers of this process with a group transaction open. A second connection to the
 * same file in one process (a test's cluster of servers) would wait for the first's
 * write lock synchronously, in SQLite's busy handler, while the commit that frees it
 * waits for this same thread: before it writes, a driver commits the others' batches.
 */
const openBatches = new Set<GroupCommitDriver>();

/** Kysely's SQLite adapter, except that the connection is not locked per query: the driver orders callers itself. */
class GroupCommitAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

export class GroupCommitDialect implements Dialect {
  readonly #handle: SqliteHandle;

  constructor(handle: SqliteHandle) {
    this.#handle = handle;
  }

  createAdapter() {
    return new GroupCommitAdapter();
  }

  createDriver(): Driver {
    return new GroupCommitDriver(this.#handle);
  }

  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }

  createIntrospector(db: Kysely<unknown>) {
    return new SqliteIntrospector(db);
  }
}

interface Waiting {
  resolve(): void;
  reject(error: unknown): void;
}

class GroupCommitDriver implements Driver {
  readonly #handle: SqliteHandle;
  /** The connection inside an explicit transaction, if one is open. */
  #owner: SqliteLink | null = null;
  /** Callers waiting for the explicit transaction to end. */
  #queue: (() => void)[] = [];
  /** The callers of the open group transaction, answered at its commit; null when none is open. */
  #batch: Waiting[] | null = null;

  constructor(handle: SqliteHandle) {
    this.#handle = handle;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new SqliteLink(this);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    while (this.#heldByOther(connection)) await this.#nextTurn();
    this.commitBatch();
    this.#commitOthers();
    this.#handle.exec('begin');
    this.#owner = connection as SqliteLink;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#owner !== connection) throw new Error('commit outside the transaction');
    // On failure the transaction stays the connection's: Kysely rolls it back next.
    this.#handle.exec('commit');
    this.#release();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.#owner !== connection) return;
    try {
      // SQLite ends a transaction by itself on some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY in a write).
      if (this.#handle.isTransaction) this.#handle.exec('rollback');
    } finally {
      this.#release();
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (this.#owner === connection) await this.rollbackTransaction(connection);
  }

  async destroy(): Promise<void> {
    this.commitBatch();
    this.#handle.close();
  }

  /**
   * Runs a statement of `link` once no other connection holds a transaction (checked in
   * the same step that runs it), grouped with the other writes of this turn unless `link`
   * is in its own transaction.
   */
  async query(link: SqliteLink, compiled: CompiledQuery): Promise<QueryResult<unknown>> {
    while (this.#heldByOther(link)) await this.#nextTurn();
    return this.#run(link, padInLists(compiled));
  }

  #heldByOther(connection: DatabaseConnection): boolean {
    return this.#owner !== null && this.#owner !== connection;
  }

  #nextTurn(): Promise<void> {
    return new Promise<void>((resolve) => this.#queue.push(resolve));
  }

  #run(link: SqliteLink, compiled: Query): QueryResult<unknown> | Promise<QueryResult<unknown>> {
    if (this.#owner === link) {
      this.#commitOthers();
      return this.#execute(compiled);
    }
    if (STANDALONE.test(compiled.sql)) {
      this.commitBatch();
      this.#commitOthers();
      return this.#execute(compiled);
    }
    const statement = this.#handle.prepare(compiled.sql);
    if (this.#batch === null) {
      if (!statement.writes) return rowsOf(statement, compiled);
      this.#commitOthers();
      this.#handle.exec('begin');
      this.#batch = [];
      openBatches.add(this);
      setImmediate(() => this.commitBatch());
    }
    const batch = this.#batch;
    let result: QueryResult<unknown>;
    try {
      result = statement.reader ? rowsOf(statement, compiled) : changesOf(statement, compiled);
    } catch (error) {
      // Most errors undo only their statement; some end the whole transaction.
      if (!this.#handle.isTransaction) this.#failBatch(error);
      throw error;
    }
    const answered = new Promise<QueryResult<unknown>>((resolve, reject) => batch.push({ resolve: () => resolve(result), reject }));
    if (batch.length >= MAX_BATCH) this.commitBatch();
    return answered;
  }

  /** Commits the open group transaction and answers its callers (each gets the error if it fails). */
  commitBatch(): void {
    const batch = this.#batch;
    if (batch === null) return;
    openBatches.delete(this);
    try {
      this.#handle.exec('commit');
    } catch (error) {
      try {
        if (this.#handle.isTransaction) this.#handle.exec('rollback');
      } finally {
        this.#failBatch(error);
      }
      return;
    }
    this.#batch = null;
    for (const waiting of batch) waiting.resolve();
  }

  #failBatch(error: unknown): void {
    const batch = this.#batch ?? [];
    this.#batch = null;
    openBatches.delete(this);
    for (const waiting of batch) waiting.reject(error);
  }

  #commitOthers(): void {
    for (const other of openBatches) if (other !== this) other.commitBatch();
  }

  #execute(compiled: Query): QueryResult<unknown> {
    if (/^\s*rollback\b/i.test(compiled.sql) && !this.#handle.isTransaction) return { rows: [] };
    const statement = this.#handle.prepare(compiled.sql);
    return statement.reader ? rowsOf(statement, compiled) : changesOf(statement, compiled);
  }

  #release(): void {
    this.#owner = null;
    const waiting = this.#queue;
    this.#queue = [];
    for (const resolve of waiting) resolve();
  }
}

class SqliteLink implements DatabaseConnection {
  readonly #driver: GroupCommitDriver;

  constructor(driver: GroupCommitDriver) {
    this.#driver = driver;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    return (await this.#driver.query(this, compiled)) as QueryResult<R>;
  }

  // eslint-disable-next-line require-yield -- the store never streams; Kysely's interface asks for it
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on SQLite here');
  }
}

function rowsOf(statement: SqliteStatement, compiled: Query): QueryResult<unknown> {
  return { rows: statement.all(compiled.parameters) };
}

function changesOf(statement: SqliteStatement, compiled: Query): QueryResult<unknown> {
  const { changes, lastInsertRowid } = statement.run(compiled.parameters);
  return { insertId: BigInt(lastInsertRowid), numAffectedRows: BigInt(changes), rows: [] };
}
