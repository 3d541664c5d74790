// Database faults, recognised once for every driver: what a failed statement means for
// the caller, whatever the dialect said. Four kinds matter above the store:
//   busy         a deadlock, a lock-wait timeout, a serialization failure, SQLITE_BUSY:
//                normal under concurrency; the whole transaction is run again;
//   disk_full    SQLITE_FULL, ENOSPC, PostgreSQL 53100, MariaDB "table/disk is full";
//   io_error     the storage failed underneath (SQLITE_IOERR, PostgreSQL 58030, …);
//   unreachable  the connection is gone or refused (a restart, a failover, a cut link).
// None of them is a bug in the request, so none of them may become a 500: they become
// a StorageError (503, retryable) and leave the process running.
import { CronfleetError } from '../protocol/errors.ts';

export type StorageFault = 'busy' | 'disk_full' | 'io_error' | 'unreachable';

/** The one typed error of the storage layer under faults (HTTP 503, retryable). */
export class StorageError extends CronfleetError {
  readonly fault: StorageFault;

  constructor(fault: StorageFault, message: string, options: { cause?: unknown; attempts?: number } = {}) {
    super(fault === 'busy' ? 'storage_busy' : 'storage_unavailable', message, { reason: fault, retryable: true, ...(options.attempts ? { attempts: options.attempts } : {}) }, { cause: options.cause });
    this.fault = fault;
  }
}

// SQLite primary result codes (node:sqlite reports the extended code in `errcode`).
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_IOERR = 10;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;

const POSTGRES_STATES: Record<string, StorageFault> = {
  '40P01': 'busy', // deadlock_detected
  '40001': 'busy', // serialization_failure
  '55P03': 'busy', // lock_not_available
  '53100': 'disk_full',
  '53000': 'unreachable', // insufficient_resources
  '53200': 'unreachable', // out_of_memory
  '53300': 'unreachable', // too_many_connections
  '57P01': 'unreachable', // admin_shutdown
  '57P02': 'unreachable', // crash_shutdown
  '57P03': 'unreachable', // cannot_connect_now (starting up, recovering)
  '58030': 'io_error',
  '25006': 'unreachable', // read_only_sql_transaction: a standby after a failover
};

const MYSQL_ERRNOS: Record<number, StorageFault> = {
  1213: 'busy', // ER_LOCK_DEADLOCK
  1205: 'busy', // ER_LOCK_WAIT_TIMEOUT
  1021: 'disk_full', // ER_DISK_FULL
  1114: 'disk_full', // ER_RECORD_FILE_FULL
  3: 'disk_full', // EE_WRITE: "Error writing file … (Errcode: 28 "No space left on device")"
  1030: 'io_error', // ER_GET_ERRNO: the storage engine failed (errno 28 when out of space)
  1040: 'unreachable', // ER_CON_COUNT_ERROR
  1053: 'unreachable', // ER_SERVER_SHUTDOWN
  1927: 'unreachable', // ER_CONNECTION_KILLED
  1290: 'unreachable', // ER_OPTION_PREVENTS_STATEMENT (--read-only replica)
  2002: 'unreachable',
  2003: 'unreachable',
  2006: 'unreachable', // server has gone away
  2013: 'unreachable', // lost connection during query
  4031: 'unreachable', // disconnected by the server (idle timeout)
};

const SYSTEM_CODES: Record<string, StorageFault> = {
  ENOSPC: 'disk_full',
  EDQUOT: 'disk_full',
  EIO: 'io_error',
  EROFS: 'io_error',
  ECONNREFUSED: 'unreachable',
  ECONNRESET: 'unreachable',
  ECONNABORTED: 'unreachable',
  ETIMEDOUT: 'unreachable',
  EPIPE: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENETDOWN: 'unreachable',
  EAI_AGAIN: 'unreachable',
  PROTOCOL_CONNECTION_LOST: 'unreachable',
  PROTOCOL_SEQUENCE_TIMEOUT: 'unreachable',
  ER_LOCK_DEADLOCK: 'busy',
  ER_LOCK_WAIT_TIMEOUT: 'busy',
  ER_RECORD_FILE_FULL: 'disk_full',
  ER_DISK_FULL: 'disk_full',
};

// node-postgres reports a dropped or unusable connection with a bare Error and no code,
// so these few messages of its own are the only way to recognise it.
const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
];

/** What kind of database fault `error` is, or null for anything else (a constraint, a bug). */
export function classifyFault(error: unknown): StorageFault | null {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof StorageError) return current.fault;
    if (current instanceof AggregateError) {
      for (const inner of current.errors) {
        const fault = classifyFault(inner);
        if (fault) return fault;
      }
    }
    const fault = classifyOne(current as Record<string, unknown>);
    if (fault) return fault;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function classifyOne(error: Record<string, unknown>): StorageFault | null {
  if (typeof error !== 'object' || error === null) return null;
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (code === 'ERR_SQLITE_ERROR' && typeof error.errcode === 'number') {
    const primary = error.errcode & 0xff;
    if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) return 'busy';
    if (primary === SQLITE_FULL) return 'disk_full';
    if (primary === SQLITE_IOERR || primary === SQLITE_CANTOPEN) return 'io_error';
    return null;
  }
  if (code && /^[0-9A-Z]{5}$/.test(code) && 'severity' in error) {
    if (code.startsWith('08')) return 'unreachable'; // connection_exception class
    return POSTGRES_STATES[code] ?? null;
  }
  if (typeof error.errno === 'number' && 'sqlMessage' in error) {
    const fault = MYSQL_ERRNOS[error.errno];
    if (fault) return fault;
  }
  if (code && SYSTEM_CODES[code]) return SYSTEM_CODES[code];
  // mysql2 marks every error that broke the connection as fatal.
  if (error.fatal === true) return 'unreachable';
  const message = typeof error.message === 'string' ? error.message : '';
  if (PG_CONNECTION_MESSAGES.some((text) => message.startsWith(text))) return 'unreachable';
  return null;
}

/** `error` as a StorageError when it is a database fault; otherwise unchanged. */
export function asStorageError(error: unknown): unknown {
  if (error instanceof StorageError) return error;
  const fault = classifyFault(error);
  if (!fault) return error;
  return new StorageError(fault, describe(fault, error), { cause: error });
}

function describe(fault: StorageFault, error: unknown): string {
  const inner: unknown = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : error;
  const text = inner instanceof Error ? inner.message || (inner as { code?: string }).code || inner.name : String(inner);
  switch (fault) {
    case 'busy':
      return `the database is busy (lock conflict), try again: ${text}`;
    case 'disk_full':
      return `the database cannot write: no space left: ${text}`;
    case 'io_error':
      return `the database cannot write (storage error): ${text}`;
    case 'unreachable':
      return `the database is unreachable: ${text}`;
  }
}

/**
 * A write fault stays reported at least this long after the last failure: on a full disk
 * small writes can still succeed (an update that fits in its page, a reused WAL) while
 * anything that needs new space fails, and readiness must not flap with each of them.
 */
const FAULT_HOLD_MS = 10_000;

/**
 * The last write fault (disk full, storage error) not yet followed by a successful write
 * (and held FAULT_HOLD_MS): reads may still work while writes fail, so readiness asks
 * this, not only a read.
 */
export class StorageHealth {
  #fault: { fault: StorageFault; message: string; at: number } | null = null;

  get fault(): { fault: StorageFault; message: string; at: number } | null {
    return this.#fault;
  }

  failed(error: StorageError): void {
    if (error.fault === 'disk_full' || error.fault === 'io_error') this.#fault = { fault: error.fault, message: error.message, at: Date.now() };
  }

  wrote(): void {
    if (this.#fault && Date.now() - this.#fault.at >= FAULT_HOLD_MS) this.#fault = null;
  }
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Five attempts, 20 ms doubling to 320 ms with full jitter: a deadlock between two
 * transactions clears as soon as one of them is rolled back, and jitter keeps the
 * two from meeting again at the same instant.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 20, maxDelayMs: 320 };

/**
 * Runs `attempt` again while it fails with a lock conflict (busy), up to the policy's
 * attempts; the caller guarantees `attempt` is safe to repeat (a whole transaction that
 * was rolled back, or one autocommitted statement). Other faults are not retried here:
 * an outage or a full disk lasts longer than a request should wait.
 */
export async function retryBusy<T>(policy: RetryPolicy, attempt: () => Promise<T>): Promise<T> {
  for (let count = 1; ; count++) {
    try {
      return await attempt();
    } catch (error) {
      const storageError = asStorageError(error);
      if (!(storageError instanceof StorageError) || storageError.fault !== 'busy') throw storageError;
      if (count >= policy.attempts) {
        throw new StorageError('busy', `the database stayed busy (lock conflicts) after ${count} attempts; try again`, { cause: error, attempts: count });
      }
      const delayMs = Math.round(Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (count - 1)));
      policy.onRetry?.(error, count, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
