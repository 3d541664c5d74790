// Backup and restore of a SQLite database file (`cronfleet backup`, `cronfleet restore`).
//
// Backup runs beside a live server: SQLite's online backup copies the pages of one read
// transaction held for the whole copy (WAL mode lets the server keep writing meanwhile),
// so the copy is one consistent instant however long it takes, and it never restarts
// because the server wrote between two steps. It is written to a temporary 0600 file
// next to the target and put in place only once complete and synced.
//
// Restore refuses anything it cannot vouch for before it touches the data dir: a file
// that is not SQLite, a SQLite file that is not cronfleet's, a damaged one, one written
// by a newer cronfleet, a database a server still holds open. The database it replaces
// is kept beside it under a timestamped name.
import { backup as sqliteBackup, DatabaseSync } from 'node:sqlite';
import { chmodSync, closeSync, copyFileSync, existsSync, fsyncSync, linkSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { migrationNames } from './migrate.ts';
import { DATABASE_FILE_MODE, SQLITE_SIDE_FILES } from './sqlite.ts';
import { FINGERPRINT_SETTING } from './secret-cipher.ts';

export type BackupProblem =
  /** The output exists and --force was not given. */
  | 'exists'
  /** There is no database where the config points. */
  | 'missing'
  | 'same_file'
  | 'not_sqlite'
  | 'not_cronfleet'
  | 'damaged'
  | 'newer_schema'
  /** A server holds the database open. */
  | 'in_use'
  /** The secret key in force is not the one the backup's secrets are sealed with. */
  | 'key_mismatch';

export class BackupError extends Error {
  readonly problem: BackupProblem;

  constructor(problem: BackupProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupError';
    this.problem = problem;
  }
}

export interface BackupProgress {
  copiedBytes: number;
  totalBytes: number;
}

export interface DatabaseSummary {
  /** The newest migration applied: the schema version. */
  schema: string;
  tasks: number;
  executions: number;
  bytes: number;
  /** The fingerprint of the secret key its secrets are sealed with (null: none recorded yet). */
  secretKeyFingerprint: string | null;
}

/** About 100 progress reports for a large file, whatever its size; never fewer pages than this per step. */
const MIN_PAGES_PER_STEP = 256;

/**
 * Copies the database at `source` to `out` (mode 0600), consistent as of one instant,
 * while a server may be using it. Refuses an existing `out` unless `force`.
 */
export async function backupSqlite(source: string, out: string, options: { force: boolean; onProgress?: (progress: BackupProgress) => void }): Promise<DatabaseSummary> {
  if (!existsSync(source)) throw new BackupError('missing', `there is no database at ${source} (check --data-dir / --database, or the config file)`);
  if (sameFile(source, out) || SQLITE_SIDE_FILES.some((suffix) => sameFile(`${source}${suffix}`, out))) {
    throw new BackupError('same_file', `${out} is the database itself; write the backup somewhere else`);
  }
  if (!options.force && existsSync(out)) throw new BackupError('exists', `${out} already exists; pass --force to overwrite it`);
  const temporary = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
  closeSync(openSync(temporary, 'wx', DATABASE_FILE_MODE));
  try {
    const database = new DatabaseSync(source);
    try {
      database.exec('PRAGMA busy_timeout = 5000');
      database.exec('PRAGMA query_only = 1');
      // The read transaction the whole copy sees: without it, each step would open its
      // own, and a write by the server between two steps would restart the copy.
      database.exec('BEGIN');
      try {
        database.prepare('select count(*) from sqlite_master').get(); // the read transaction starts here
        const pageSize = pragmaNumber(database, 'page_size');
        const pageCount = pragmaNumber(database, 'page_count');
        const rate = Math.max(MIN_PAGES_PER_STEP, Math.ceil(pageCount / 100));
        await sqliteBackup(database, temporary, {
          rate,
          progress: ({ totalPages, remainingPages }) => options.onProgress?.({ copiedBytes: (totalPages - remainingPages) * pageSize, totalBytes: totalPages * pageSize }),
        });
      } finally {
        database.exec('COMMIT');
      }
    } finally {
      database.close();
    }
    // One self-contained file: the copy carries the source's WAL flag, which would make
    // every reader of the backup create -wal and -shm files beside it.
    const summary = inspect(temporary, (copy) => copy.exec('PRAGMA journal_mode = DELETE'));
    syncFile(temporary);
    if (options.force) {
      renameSync(temporary, out);
    } else {
      // link, not rename: fails instead of replacing a file created meanwhile.
      try {
        linkSync(temporary, out);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupError('exists', `${out} already exists; pass --force to overwrite it`);
        throw error;
      }
    }
    syncFile(dirname(out));
    return summary;
  } finally {
    rmSync(temporary, { force: true });
    for (const suffix of ['-journal', ...SQLITE_SIDE_FILES]) rmSync(`${temporary}${suffix}`, { force: true });
  }
}

export interface RestoreResult {
  summary: DatabaseSummary;
  /** Where the database that was replaced is kept, or null when there was none. */
  keptAs: string | null;
}

/**
 * Replaces the database at `target` with the backup `file`, after checking that the
 * backup is a whole cronfleet database this version can run, that no server holds
 * `target`, and (when a key is given) that the backup's secrets are sealed with it.
 * An existing database is replaced only with `force`, and is kept beside it.
 */
export function restoreSqlite(file: string, target: string, options: { force: boolean; secretKeyFingerprint: string | null; now?: Date }): RestoreResult {
  if (!existsSync(file)) throw new BackupError('missing', `${file}: no such file`);
  if (sameFile(file, target)) throw new BackupError('same_file', `${file} is the database it would replace`);
  assertSqliteHeader(file);
  const targetExists = existsSync(target);
  if (targetExists) assertNotInUse(target);
  // The checks run on a copy beside the target, which is then renamed into place: the
  // backup itself is never opened for writing, and the swap is one rename.
  const staged = join(dirname(target), `.${basename(target)}.${process.pid}.restoring`);
  closeSync(openSync(staged, 'w', DATABASE_FILE_MODE));
  const cleanStaged = () => {
    for (const suffix of ['', '-journal', ...SQLITE_SIDE_FILES]) rmSync(`${staged}${suffix}`, { force: true });
  };
  try {
    // copyFileSync gives the copy the source's mode: 0600 again (the server would tighten it, with a log line).
    copyFileSync(file, staged);
    chmodSync(staged, DATABASE_FILE_MODE);
    // A copy of a live database may have its last writes in its -wal: bring it along.
    if (existsSync(`${file}-wal`) && statSync(`${file}-wal`).size > 0) {
      copyFileSync(`${file}-wal`, `${staged}-wal`);
      chmodSync(`${staged}-wal`, DATABASE_FILE_MODE);
    }
    const summary = inspect(staged, (copy) => {
      const check = copy.prepare('PRAGMA quick_check').all() as Array<{ quick_check: string }>;
      if (check.length !== 1 || check[0]!.quick_check !== 'ok') {
        throw new BackupError(
          'damaged',
          `${file} is damaged (SQLite's check says: ${check
            .map((row) => row.quick_check)
            .join('; ')
            .slice(0, 300)})`,
        );
      }
    });
    if (options.secretKeyFingerprint !== null && summary.secretKeyFingerprint !== null && summary.secretKeyFingerprint !== options.secretKeyFingerprint) {
      throw new BackupError(
        'key_mismatch',
        `the secrets in ${file} are sealed with another secret key than the one in force here (secret_key / the data dir's secret-key file); the server would refuse to start on it. Put the backup's key in place first, then restore again`,
      );
    }
    if (targetExists && !options.force) throw new BackupError('exists', `${target} already holds a database; pass --force to replace it (it is kept beside it under a timestamped name)`);
    syncFile(staged);
    if (targetExists) assertNotInUse(target); // again, just before the swap
    const keptBase = `${target}.replaced-${timestamp(options.now ?? new Date())}`;
    let keptAs: string | null = null;
    if (targetExists) {
      keptAs = keptBase;
      renameSync(target, keptAs);
    }
    // SQLite finds a database's WAL by its name: the kept copy keeps its last writes, and
    // the restored database must never meet a WAL that is not its own.
    if (existsSync(`${target}-wal`)) renameSync(`${target}-wal`, `${keptBase}-wal`);
    rmSync(`${target}-shm`, { force: true });
    renameSync(staged, target);
    syncFile(dirname(target));
    return { summary, keptAs };
  } finally {
    cleanStaged();
  }
}

/** 2026-12-02T14:43:11.123Z → 20261202T144311Z (sorts by time, no characters a shell or Windows dislikes). */
function timestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

function assertSqliteHeader(file: string): void {
  const header = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  if (read < header.length || !header.equals(SQLITE_MAGIC)) throw new BackupError('not_sqlite', `${file} is not a SQLite database (not a cronfleet backup)`);
}

// SQLite primary result codes.
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_CORRUPT = 11;
const SQLITE_NOTADB = 26;

/**
 * Refuses while another process holds the database open. A connection in WAL mode keeps
 * a shared lock on the file for as long as it is open, so an exclusive lock can be had
 * only when no server (nor any other reader) uses it; the attempt does not wait.
 */
function assertNotInUse(path: string): void {
  const probe = new DatabaseSync(path);
  try {
    probe.exec('PRAGMA busy_timeout = 0');
    probe.exec('PRAGMA locking_mode = EXCLUSIVE');
    probe.exec('BEGIN EXCLUSIVE');
    probe.exec('COMMIT');
  } catch (error) {
    const code = ((error as { errcode?: number }).errcode ?? 0) & 0xff;
    if (code === SQLITE_BUSY || code === SQLITE_LOCKED) {
      throw new BackupError('in_use', `${path} is in use (a cronfleet server, or another program, has it open); stop the server first`, { cause: error });
    }
    // A damaged database (a reason to restore) is one no server can be running on.
    if (code !== SQLITE_CORRUPT && code !== SQLITE_NOTADB) throw error;
  } finally {
    probe.close();
  }
}

/** Opens a copy, runs `prepare` on it, and checks it is a cronfleet database this version can run. */
function inspect(path: string, prepare: (database: DatabaseSync) => void): DatabaseSummary {
  let database: DatabaseSync;
  try {
    database = new DatabaseSync(path);
  } catch (error) {
    throw new BackupError('not_sqlite', `${path} cannot be opened as a SQLite database: ${(error as Error).message}`, { cause: error });
  }
  try {
    try {
      prepare(database);
    } catch (error) {
      if (error instanceof BackupError) throw error;
      throw new BackupError('damaged', `the copy cannot be read as a SQLite database: ${(error as Error).message}`, { cause: error });
    }
    const tables = new Set((database.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map((row) => row.name));
    if (!tables.has('kysely_migration') || !tables.has('tasks') || !tables.has('executions')) {
      throw new BackupError('not_cronfleet', 'the file is a SQLite database but not a cronfleet one (it has no cronfleet tables)');
    }
    const applied = (database.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((row) => row.name);
    const unknown = applied.filter((name) => !migrationNames.includes(name));
    if (unknown.length > 0) {
      throw new BackupError('newer_schema', `the database was written by a newer cronfleet (schema ${unknown.at(-1)}; this version knows up to ${migrationNames.at(-1)}); upgrade cronfleet first`);
    }
    if (!applied.includes(migrationNames[0]!)) throw new BackupError('not_cronfleet', 'the file is a SQLite database but not a cronfleet one (its migration table lacks the first migration)');
    const count = (table: 'tasks' | 'executions') => Number((database.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n);
    const fingerprint = tables.has('settings') ? (database.prepare('select value from settings where name = ?').get(FINGERPRINT_SETTING) as { value: string } | undefined) : undefined;
    return {
      schema: applied.at(-1)!,
      tasks: count('tasks'),
      executions: count('executions'),
      bytes: pragmaNumber(database, 'page_count') * pragmaNumber(database, 'page_size'),
      secretKeyFingerprint: fingerprint?.value ?? null,
    };
  } finally {
    database.close();
  }
}

function pragmaNumber(database: DatabaseSync, name: 'page_size' | 'page_count'): number {
  return Number(Object.values(database.prepare(`PRAGMA ${name}`).get() as Record<string, unknown>)[0]);
}

function sameFile(a: string, b: string): boolean {
  try {
    const first = statSync(a);
    const second = statSync(b);
    return first.dev === second.dev && first.ino === second.ino;
  } catch {
    return false;
  }
}

/** Flushes a file (or a directory, so that a rename in it survives a power cut). */
function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
