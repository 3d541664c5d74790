// `cronfleet backup` and `cronfleet restore`: the database named by the same config as
// `cronfleet server` (config file, CRONFLEET_* env, --database / --data-dir). SQLite is
// copied by cronfleet itself; PostgreSQL and MySQL have their own tools, whose commands
// are printed instead.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { CliError } from './cli-error.ts';

interface BackupFlags {
  config?: string;
  database?: string;
  dataDir?: string;
  out?: string;
  force?: boolean;
}

function databaseOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'YAML config file, as for `cronfleet server` (default ./cronfleet.yaml when present)')
    .option('--database <url>', 'the database (default: cronfleet.db in the data dir)')
    .option('--data-dir <dir>', 'data directory (default ./data)');
}

async function configOf(flags: BackupFlags) {
  const { loadConfig } = await import('../config/config.ts');
  return loadConfig({ file: flags.config, env: process.env, flags: { database: flags.database, data_dir: flags.dataDir } });
}

/** Never prints the password of a database URL. */
function withoutPassword(url: URL): string {
  const copy = new URL(url.href);
  copy.password = '';
  return copy.href;
}

function quote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The dump and restore commands of a PostgreSQL or MySQL/MariaDB database, for its own tools. */
function serverDatabaseCommands(databaseUrl: string, file: string): string {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const password = url.password ? '  (the password is not shown: set it in PGPASSWORD or ~/.pgpass)\n' : '';
  if (url.protocol === 'postgres:' || url.protocol === 'postgresql:') {
    const target = quote(withoutPassword(url));
    return (
      `cronfleet backup copies SQLite databases only; this one is PostgreSQL: use pg_dump (a consistent snapshot while the servers run):\n\n` +
      `  pg_dump --format=custom --file=${quote(file)} ${target}\n\n` +
      `and to restore it (servers stopped), into the same or an empty database:\n\n` +
      `  pg_restore --clean --if-exists --no-owner --dbname=${target} ${quote(file)}\n\n${password}`
    );
  }
  const host = ['--host', url.hostname || '127.0.0.1', '--port', url.port || '3306', '--user', decodeURIComponent(url.username || 'root')].map(quote);
  return (
    `cronfleet backup copies SQLite databases only; this one is MySQL/MariaDB: use mysqldump (--single-transaction: a consistent snapshot while the servers run):\n\n` +
    `  mysqldump --single-transaction --routines ${host.join(' ')} -p ${quote(name)} > ${quote(file)}\n\n` +
    `and to restore it (servers stopped):\n\n` +
    `  mysql ${host.join(' ')} -p ${quote(name)} < ${quote(file)}\n\n` +
    (url.password ? '  (-p asks for the password; it is not shown here)\n' : '')
  );
}

function keyReminder(config: { secretKey: string | null; dataDir: string }): string {
  return config.secretKey
    ? 'keep the secret_key of your config with it: without that key the secrets sealed in it cannot be opened'
    : `keep ${resolve(config.dataDir, 'secret-key')} with it: without that key the secrets sealed in it cannot be opened`;
}

const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

/** Progress is shown for databases at least this large; a small one is copied in a blink. */
const PROGRESS_FROM_BYTES = 16 * 1024 * 1024;
const PROGRESS_EVERY_MS = 1000;

async function backup(flags: BackupFlags): Promise<void> {
  if (!flags.out) throw new CliError('--out <file> is required: the file to write the backup to', 2);
  const config = await configOf(flags);
  const { sqliteFileOf } = await import('../store/dialect.ts');
  const out = resolve(flags.out);
  const source = sqliteFileOf(config.database);
  if (source === null) {
    process.stderr.write(serverDatabaseCommands(config.database, out));
    process.stderr.write(`Keep the secret key with the dump: ${config.secretKey ? 'the secret_key of your config' : resolve(config.dataDir, 'secret-key')}.\n`);
    throw new CliError('no backup written (see the commands above)', 1);
  }
  if (source === ':memory:') throw new CliError('the database is in memory (sqlite::memory:); there is nothing to back up', 2);
  const { backupSqlite, BackupError } = await import('../store/sqlite-backup.ts');
  let lastReport = 0;
  let reported = false;
  try {
    const summary = await backupSqlite(source, out, {
      force: flags.force === true,
      onProgress: ({ copiedBytes, totalBytes }) => {
        if (totalBytes < PROGRESS_FROM_BYTES) return;
        const now = Date.now();
        if (now - lastReport < PROGRESS_EVERY_MS) return;
        lastReport = now;
        reported = true;
        process.stderr.write(`backup: ${Math.floor((100 * copiedBytes) / totalBytes)}% (${mib(copiedBytes)} of ${mib(totalBytes)} MiB)\n`);
      },
    });
    if (reported) process.stderr.write(`backup: 100% (${mib(summary.bytes)} MiB)\n`);
    process.stdout.write(`backed up ${source} to ${out} (${mib(summary.bytes)} MiB, schema ${summary.schema}, ${summary.tasks} tasks, ${summary.executions} executions)\n${keyReminder(config)}\n`);
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(error.message, error.problem === 'exists' || error.problem === 'same_file' ? 2 : 1);
    throw await describeFault(error, out);
  }
}

/**
 * A database fault as a one-line error: a full disk or a storage failure while writing
 * `path` (nothing half-written is left behind), or a database locked by its server (one
 * started on a full disk keeps it in exclusive mode until it restarts).
 */
async function describeFault(error: unknown, path: string): Promise<unknown> {
  const { classifyFault } = await import('../store/faults.ts');
  switch (classifyFault(error)) {
    case 'disk_full':
      return new CliError(`cannot write ${path}: no space left on its disk (nothing was written)`, 1);
    case 'io_error':
      return new CliError(`cannot write ${path}: storage error (${(error as Error).message}); nothing was written`, 1);
    case 'busy':
      return new CliError(`the database is locked (${(error as Error).message}): a server started on a full disk holds it alone until it restarts; try again after restarting it`, 1);
    default:
      return error;
  }
}

async function restore(file: string, flags: BackupFlags): Promise<void> {
  const config = await configOf(flags);
  const { sqliteFileOf } = await import('../store/dialect.ts');
  const target = sqliteFileOf(config.database);
  if (target === null) {
    process.stderr.write(serverDatabaseCommands(config.database, resolve(file)));
    throw new CliError('nothing restored (see the commands above)', 1);
  }
  if (target === ':memory:') throw new CliError('the database is in memory (sqlite::memory:); there is nothing to restore into', 2);
  const { restoreSqlite, BackupError } = await import('../store/sqlite-backup.ts');
  const { readSecretKey } = await import('../store/secret-cipher.ts');
  const key = readSecretKey(config.secretKey, config.dataDir);
  mkdirSync(dirname(target), { recursive: true });
  try {
    const { summary, keptAs } = restoreSqlite(resolve(file), target, { force: flags.force === true, secretKeyFingerprint: key?.fingerprint ?? null });
    process.stdout.write(`restored ${resolve(file)} into ${target} (schema ${summary.schema}, ${summary.tasks} tasks, ${summary.executions} executions)\n`);
    if (keptAs) process.stdout.write(`the database it replaced is kept as ${keptAs}\n`);
    if (!key && summary.secretKeyFingerprint !== null) {
      process.stderr.write(
        `warning: there is no secret key here yet: before starting the server, put the backup's key in ${resolve(config.dataDir, 'secret-key')} or set secret_key (CRONFLEET_SECRET_KEY); with any other key the server refuses to start and the sealed secrets cannot be opened\n`,
      );
    }
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(error.message, error.problem === 'exists' || error.problem === 'same_file' ? 2 : 1);
    throw await describeFault(error, target);
  }
}

export function backupCommand(): Command {
  return databaseOptions(
    new Command('backup')
      .description('copy the SQLite database to a file, consistent and online (the server may keep running); PostgreSQL/MySQL: prints the pg_dump/mysqldump commands')
      .option('-o, --out <file>', 'the backup file to write (mode 600)')
      .option('--force', 'overwrite --out if it exists'),
  ).action((flags: BackupFlags) => backup(flags));
}

export function restoreCommand(): Command {
  return databaseOptions(
    new Command('restore')
      .description('replace the SQLite database with a backup (server stopped); checks the file is a cronfleet database this version can run first')
      .argument('<file>', 'a file written by cronfleet backup')
      .option('--force', 'replace an existing database (it is kept beside it as <name>.replaced-<time>)'),
  ).action((file: string, flags: BackupFlags) => restore(file, flags));
}
