// The storage contract: repositories named in domain words, plus the few
// multi-table steps that must be one transaction.
import { AlertChannelRepository } from './alert-channels.ts';
import { AlertRepository } from './alerts.ts';
import { ApiTokenRepository } from './api-tokens.ts';
import { AuditRepository } from './audit.ts';
import { UserRepository } from './users.ts';
import { sql, type Kysely } from 'kysely';
import { OVERLAP_SKIPPED_REASON } from '../domain/overlap.ts';
import { CronfleetError } from '../protocol/errors.ts';
import { openDatabase, redact, type DialectInfo } from './dialect.ts';
import { asStorageError, StorageError, type StorageHealth } from './faults.ts';
import { ExecutionRepository, type NewExecution } from './executions.ts';
import { ExecutorTokenRepository } from './executor-tokens.ts';
import { ExecutorRepository } from './executors.ts';
import { InstanceRepository } from './instances.ts';
import { LeaseRepository } from './leases.ts';
import { LoadBalanceStateRepository } from './load-balance.ts';
import { LogRepository } from './logs.ts';
import { toNullableNumber } from './json.ts';
import { migrate } from './migrate.ts';
import { recordRawDatabase } from './raw-database.ts';
import { assertClusterKey, type SecretCipher, type SecretOpener } from './secret-cipher.ts';
import { SecretMasker } from './secret-masker.ts';
import { openSignals, type Signals } from './signals.ts';
import type { Database } from './schema.ts';
import { TaskRepository } from './tasks.ts';
import { StatsRepository } from './stats.ts';
import { ChangeRepository } from './changes.ts';
import { CallbackNonceRepository } from './callback-nonces.ts';
import { RetentionRepository } from './retention.ts';
import { FireLedgerRepository } from './fire-ledger.ts';
import { WorkflowRepository } from './workflows.ts';
import { WorkflowRunRepository } from './workflow-runs.ts';

export interface OpenOptions {
  poolMax?: number;
  /** Errors of background connections (a dropped LISTEN connection, an idle pool client). */
  onBackgroundError?: (error: Error) => void;
  /** Called before each wait when the database did not answer; without it, open fails at once. */
  retry?: (error: Error, attempt: number, delayMs: number) => void;
  /** A transaction or statement hit a lock conflict (deadlock, lock wait) and runs again. */
  onLockRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** What opening did to the database file (SQLite: a mode tightened to 0600, a conversion). */
  onNotice?: (level: 'info' | 'warn', message: string) => void;
  /**
   * The cluster's key, to open stored secrets only to mask them in what is read back (logs,
   * execution results). Without it a sealed value cannot be opened, and masking one fails.
   */
  secrets?: SecretOpener;
}

const noKey: SecretOpener = {
  open() {
    throw new CronfleetError('internal', 'this store was opened without the secret key, so it cannot mask a secret');
  },
};

/**
 * Below this much free space where SQLite writes, the store says it is not ready: a WAL
 * frame, a log chunk or a new page would fail, and SQLite needs room to checkpoint.
 */
const MIN_FREE_BYTES = 1024 * 1024;

export type Readiness = { ready: true } | { ready: false; reason: 'database_unreachable' | 'disk_full' | 'io_error' | 'busy'; message: string };

function describeOpenError(url: string, error: unknown): Error {
  if (error instanceof CronfleetError) return error;
  const typed = asStorageError(error);
  if (typed instanceof StorageError) return new StorageError(typed.fault, `cannot open the database ${redact(url)}: ${typed.message}`, { cause: error });
  const inner: unknown = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  const message = inner instanceof Error ? inner.message || inner.name : String(inner);
  return new CronfleetError('unavailable', `cannot open the database ${redact(url)}: ${message}`, {}, { cause: error });
}

export interface Fence {
  lease: string;
  holder: string;
  token: number;
}

/** One task's fires and its advanced cursor, written together. */
export interface FireBatchEntry {
  taskId: string;
  /** Compare-and-set: the cursor is advanced only if next_fire_at still equals this. */
  expectedNextFireAt: number;
  nextFireAt: number | null;
  lastFireAt: number | null;
  executions: NewExecution[];
  /** Waiting runs of the task (pending) to record as skipped: its queue is full (domain/overlap.ts). */
  dropQueued?: string[];
}

export class Store {
  readonly #db: Kysely<Database>;
  readonly #dialect: DialectInfo;
  readonly tasks: TaskRepository;
  readonly executions: ExecutionRepository;
  readonly executors: ExecutorRepository;
  readonly executorTokens: ExecutorTokenRepository;
  readonly users: UserRepository;
  readonly apiTokens: ApiTokenRepository;
  readonly audit: AuditRepository;
  readonly leases: LeaseRepository;
  readonly logs: LogRepository;
  /** Opens stored secrets with the cluster's key, only to mask them in what is read back. */
  readonly masker: SecretMasker;
  readonly loadBalance: LoadBalanceStateRepository;
  readonly instances: InstanceRepository;
  readonly stats: StatsRepository;
  readonly changes: ChangeRepository;
  readonly callbackNonces: CallbackNonceRepository;
  /** History retention's bounded deletes and rollup folding (issue 15). */
  readonly retention: RetentionRepository;
  readonly alertChannels: AlertChannelRepository;
  readonly alerts: AlertRepository;
  /** Reads of the fire ledger (backfill). */
  readonly fireLedger: FireLedgerRepository;
  readonly workflows: WorkflowRepository;
  readonly workflowRuns: WorkflowRunRepository;
  /** Cross-instance wake-ups (LISTEN/NOTIFY on PostgreSQL; polling elsewhere). */
  readonly signals: Signals;
  readonly health: StorageHealth;
  readonly #close: () => Promise<void>;
  #closed = false;

  private constructor(db: Kysely<Database>, dialect: DialectInfo, health: StorageHealth, close: () => Promise<void>, signals: Signals, secrets: SecretOpener) {
    this.#db = db;
    this.health = health;
    this.signals = signals;
    this.#dialect = dialect;
    this.#close = close;
    recordRawDatabase(this, { db, dialect });
    this.tasks = new TaskRepository(db);
    this.executions = new ExecutionRepository(db, dialect);
    this.executors = new ExecutorRepository(db);
    this.executorTokens = new ExecutorTokenRepository(db);
    this.users = new UserRepository(db);
    this.apiTokens = new ApiTokenRepository(db);
    this.audit = new AuditRepository(db);
    this.leases = new LeaseRepository(db, dialect);
    this.masker = new SecretMasker(secrets);
    this.logs = new LogRepository(db, dialect, this.masker);
    this.loadBalance = new LoadBalanceStateRepository(db);
    this.instances = new InstanceRepository(db);
    this.stats = new StatsRepository(db);
    this.changes = new ChangeRepository(db);
    this.callbackNonces = new CallbackNonceRepository(db, dialect);
    this.retention = new RetentionRepository(db, dialect);
    this.alertChannels = new AlertChannelRepository(db);
    this.alerts = new AlertRepository(db, dialect);
    this.fireLedger = new FireLedgerRepository(db);
    this.workflows = new WorkflowRepository(db);
    this.workflowRuns = new WorkflowRunRepository(db, dialect, this.leases);
  }

  /**
   * Opens the database and brings its schema up to date. With `retry`, an unreachable
   * database is retried with backoff (1 s doubling to 30 s) until it answers; a database
   * newer than the code is never retried.
   */
  static async open(url: string, options: OpenOptions = {}): Promise<Store> {
    for (let attempt = 1; ; attempt++) {
      let opened: Awaited<ReturnType<typeof openDatabase>> | null = null;
      try {
        // Inside the try: opening SQLite on a full disk fails here (the WAL and its index
        // are created on open), and that is retried like an unreachable server.
        opened = await openDatabase(url, {
          max: options.poolMax ?? 10,
          ...(options.onBackgroundError ? { onIdleError: options.onBackgroundError } : {}),
          ...(options.onLockRetry ? { onRetry: options.onLockRetry } : {}),
          ...(options.onNotice ? { onNotice: options.onNotice } : {}),
        });
        await migrate(opened.db, opened.dialect);
        const signals = openSignals(url, opened.dialect.supportsNotify, options.onBackgroundError ?? (() => {}));
        return new Store(opened.db, opened.dialect, opened.health, opened.close, signals, options.secrets ?? noKey);
      } catch (error) {
        await opened?.close().catch(() => {});
        const fatal = error instanceof CronfleetError && error.code === 'database_newer_than_code';
        if (!options.retry || fatal) throw describeOpenError(url, error);
        const delayMs = Math.min(30_000, 1000 * 2 ** (attempt - 1));
        options.retry(describeOpenError(url, error), attempt, delayMs);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /** The database's clock in epoch ms: leases, heartbeats and liveness are judged by it, never by comparing machines. */
  now(): Promise<number> {
    return this.#dialect.now(this.#db);
  }

  /**
   * Records the key's fingerprint on first use and refuses a key that differs from the
   * one the cluster recorded (see secret-cipher.ts).
   */
  assertClusterKey(cipher: SecretCipher, now: number): Promise<void> {
    return assertClusterKey(this.#db, this.#dialect, cipher, now);
  }

  /**
   * Records the fires of several tasks in one transaction, fenced by the leader lease.
   * Per task the cursor moves by compare-and-set, so a fire is planned by one leader
   * only; the unique (task_id, fire_time) key drops any fire recorded before. Waiting
   * runs a full queue drops become skipped here too, if still pending.
   * Returns the ids of executions inserted or skipped.
   */
  async recordFires(fence: Fence, batch: FireBatchEntry[], now: number): Promise<Set<string>> {
    return this.#db.transaction().execute(async (trx) => {
      if (!(await this.leases.holds(trx, fence.lease, fence.holder, fence.token))) {
        throw new CronfleetError('conflict', 'the leader lease was lost; fires not recorded', { reason: 'lease_lost' });
      }
      // Compare-and-set of every task's cursor, in two statements per 500 tasks rather
      // than one per task: read the cursors (locked on PostgreSQL/MySQL; SQLite has one
      // writer), then move those still where the plan expects them with one UPDATE.
      const advanced: NewExecution[] = [];
      const dropped: string[] = [];
      for (let start = 0; start < batch.length; start += 500) {
        const chunk = batch.slice(start, start + 500);
        let read = trx
          .selectFrom('tasks')
          .select(['id', 'next_fire_at'])
          .where(
            'id',
            'in',
            chunk.map((entry) => entry.taskId),
          )
          .where('status', '=', 'active');
        if (this.#dialect.supportsForUpdate) read = read.forUpdate();
        const cursors = new Map((await read.execute()).map((row) => [row.id, toNullableNumber(row.next_fire_at)]));
        const moving = chunk.filter((entry) => cursors.get(entry.taskId) === entry.expectedNextFireAt);
        if (moving.length === 0) continue;
        const byTask = (value: (entry: FireBatchEntry) => number | null) =>
          sql<number>`case id ${sql.join(
            moving.map((entry) => sql`when ${entry.taskId} then ${this.#dialect.bigintParameter(value(entry))}`),
            sql` `,
          )} end`;
        await trx
          .updateTable('tasks')
          .set({ next_fire_at: byTask((entry) => entry.nextFireAt), last_fire_at: byTask((entry) => entry.lastFireAt) })
          .where(
            'id',
            'in',
            moving.map((entry) => entry.taskId),
          )
          .where('status', '=', 'active')
          .execute();
        for (const entry of moving) {
          advanced.push(...entry.executions);
          dropped.push(...(entry.dropQueued ?? []));
        }
      }
      const recorded = await this.executions.insert(advanced, now, trx);
      for (const id of await this.executions.skipWaiting(dropped, OVERLAP_SKIPPED_REASON, now, trx)) recorded.add(id);
      return recorded;
    });
  }

  /**
   * Whether this store can serve requests now: the database answers a read, no write has
   * failed for lack of space since the last one that worked, and (SQLite) its directory
   * has room left. Never throws.
   */
  async readiness(): Promise<Readiness> {
    try {
      await this.tasks.earliestFireAt();
    } catch (error) {
      const typed = asStorageError(error);
      const reason = typed instanceof StorageError && typed.fault !== 'unreachable' ? typed.fault : 'database_unreachable';
      return { ready: false, reason, message: `database unavailable: ${error instanceof Error ? error.message : String(error)}` };
    }
    const fault = this.health.fault;
    if (fault) return { ready: false, reason: fault.fault === 'disk_full' ? 'disk_full' : 'io_error', message: fault.message };
    const free = this.#dialect.freeBytes();
    if (free !== null && free < MIN_FREE_BYTES) {
      return { ready: false, reason: 'disk_full', message: `only ${free} bytes free where the database writes (at least ${MIN_FREE_BYTES} needed)` };
    }
    return { ready: true };
  }

  /** The database's size on disk in bytes (SQLite: the pages in use), or null when it cannot be read. */
  async sizeBytes(): Promise<number | null> {
    try {
      return await this.#dialect.sizeBytes(this.#db);
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.signals.close();
    await this.#close();
  }
}
