// The store's Kysely, with the fault handling every repository gets without asking:
//  - every transaction (`db.transaction().execute(fn)`) is run again as a whole when it
//    fails on a lock conflict (deadlock, lock-wait timeout, serialization failure,
//    SQLITE_BUSY): it was rolled back, so running `fn` again is safe as long as `fn`
//    only talks to the database — which is the rule for every transaction in store/;
//  - a statement outside a transaction that fails on a lock conflict is run again too
//    (the database rolled back that one statement);
//  - every database fault (see faults.ts) leaves the driver as a StorageError, so
//    nothing above the store ever sees a raw driver error for an outage or a full disk;
//  - a failed write marks the store's health, and a later successful write clears it
//    (StorageHealth: held a few seconds, so readiness does not flap on a full disk).
import { Kysely, type CompiledQuery, type DatabaseConnection, type Dialect, type Driver, type KyselyConfig, type QueryResult, type TransactionBuilder, type TransactionSettings } from 'kysely';
import { asStorageError, classifyFault, retryBusy, StorageError, type RetryPolicy, type StorageHealth } from './faults.ts';
import type { Database } from './schema.ts';

const WRITES = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);

export class StoreDatabase extends Kysely<Database> {
  readonly #policy: RetryPolicy;

  constructor(config: KyselyConfig, policy: RetryPolicy) {
    super(config);
    this.#policy = policy;
  }

  override transaction(): TransactionBuilder<Database> {
    const builder = super.transaction();
    const execute = builder.execute.bind(builder);
    // TransactionBuilder keeps its settings private; replacing execute on this one
    // instance keeps them (nothing in store/ sets an isolation level or access mode).
    builder.execute = <T>(callback: Parameters<typeof execute<T>>[0]) => retryBusy(this.#policy, () => execute(callback));
    return builder;
  }
}

/** Wraps a dialect's driver so that faults are typed, retried and recorded (see above). */
export function resilientDialect(inner: Dialect, health: StorageHealth, policy: RetryPolicy): Dialect {
  return {
    createAdapter: () => inner.createAdapter(),
    createQueryCompiler: () => inner.createQueryCompiler(),
    createIntrospector: (db) => inner.createIntrospector(db),
    createDriver: () => new ResilientDriver(inner.createDriver(), health, policy),
  };
}

class ResilientConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;
  readonly #health: StorageHealth;
  readonly #policy: RetryPolicy;
  inTransaction = false;
  /** A write ran inside the open transaction: its commit proves the storage writable. */
  wroteInTransaction = false;
  cancelQuery?: DatabaseConnection['cancelQuery'];
  killSession?: DatabaseConnection['killSession'];
  collectSessionInfo?: DatabaseConnection['collectSessionInfo'];

  constructor(inner: DatabaseConnection, health: StorageHealth, policy: RetryPolicy) {
    this.inner = inner;
    this.#health = health;
    this.#policy = policy;
    if (inner.cancelQuery) this.cancelQuery = (provider) => inner.cancelQuery!(provider);
    if (inner.killSession) this.killSession = (provider) => inner.killSession!(provider);
    if (inner.collectSessionInfo) this.collectSessionInfo = () => inner.collectSessionInfo!();
  }

  async executeQuery<R>(compiledQuery: CompiledQuery, options?: Parameters<DatabaseConnection['executeQuery']>[1]): Promise<QueryResult<R>> {
    const write = WRITES.has(compiledQuery.query.kind);
    const run = async () => {
      const result = await this.inner.executeQuery<R>(compiledQuery, options);
      if (write) {
        if (this.inTransaction) this.wroteInTransaction = true;
        else this.#health.wrote();
      }
      return result;
    };
    try {
      // Inside a transaction a lock conflict aborts the whole transaction: the retry
      // belongs to StoreDatabase.transaction(), which runs all of it again.
      return this.inTransaction ? await run() : await retryBusy(this.#policy, run);
    } catch (error) {
      throw recorded(this.#health, error);
    }
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize: number, options?: Parameters<DatabaseConnection['streamQuery']>[2]): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(compiledQuery, chunkSize, options);
    } catch (error) {
      throw recorded(this.#health, error);
    }
  }
}

function recorded(health: StorageHealth, error: unknown): unknown {
  const typed = asStorageError(error);
  if (typed instanceof StorageError) health.failed(typed);
  return typed;
}

class ResilientDriver implements Driver {
  readonly #inner: Driver;
  readonly #health: StorageHealth;
  readonly #policy: RetryPolicy;

  constructor(inner: Driver, health: StorageHealth, policy: RetryPolicy) {
    this.#inner = inner;
    this.#health = health;
    this.#policy = policy;
    if (inner.savepoint) this.savepoint = (connection, name, compile) => inner.savepoint!(unwrap(connection), name, compile);
    if (inner.rollbackToSavepoint) this.rollbackToSavepoint = (connection, name, compile) => inner.rollbackToSavepoint!(unwrap(connection), name, compile);
    if (inner.releaseSavepoint) this.releaseSavepoint = (connection, name, compile) => inner.releaseSavepoint!(unwrap(connection), name, compile);
  }

  savepoint?: Driver['savepoint'];
  rollbackToSavepoint?: Driver['rollbackToSavepoint'];
  releaseSavepoint?: Driver['releaseSavepoint'];

  async init(options?: Parameters<Driver['init']>[0]): Promise<void> {
    await this.#guard(() => this.#inner.init(options));
  }

  async acquireConnection(options?: Parameters<Driver['acquireConnection']>[0]): Promise<DatabaseConnection> {
    const inner = await this.#guard(() => this.#inner.acquireConnection(options));
    return new ResilientConnection(inner, this.#health, this.#policy);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const wrapped = connection as ResilientConnection;
    await this.#guard(() => this.#inner.beginTransaction(wrapped.inner, settings));
    wrapped.inTransaction = true;
    wrapped.wroteInTransaction = false;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const wrapped = connection as ResilientConnection;
    // A failed commit is followed by a rollback, so the state is reset only on success.
    await this.#guard(() => this.#inner.commitTransaction(wrapped.inner));
    if (wrapped.wroteInTransaction) this.#health.wrote();
    wrapped.inTransaction = false;
    wrapped.wroteInTransaction = false;
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const wrapped = connection as ResilientConnection;
    wrapped.inTransaction = false;
    wrapped.wroteInTransaction = false;
    try {
      await this.#inner.rollbackTransaction(wrapped.inner);
    } catch (error) {
      // The link died with the transaction: the server rolls it back, the pool discards
      // the broken connection, and the error that ended the transaction is the one to report.
      if (classifyFault(error) === 'unreachable') return;
      throw recorded(this.#health, error);
    }
  }

  async releaseConnection(connection: DatabaseConnection, options?: Parameters<Driver['releaseConnection']>[1]): Promise<void> {
    const wrapped = connection as ResilientConnection;
    wrapped.inTransaction = false;
    await this.#inner.releaseConnection(wrapped.inner, options);
  }

  async destroy(options?: Parameters<Driver['destroy']>[0]): Promise<void> {
    await this.#inner.destroy(options);
  }

  async #guard<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      throw recorded(this.#health, error);
    }
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof ResilientConnection ? connection.inner : connection;
}
