// `cronfleet up` (all in one) and `cronfleet server` (API + scheduler only).
import { Command } from 'commander';
import { VERSION } from '../protocol/version.ts';
import type { Server } from '../server/server.ts';
import { CliError } from './cli-error.ts';
import { releaseMemory, releaseWhenIdle } from './memory-release.ts';

interface ServerFlags {
  config?: string;
  port?: string;
  host?: string;
  database?: string;
  dataDir?: string;
  logLevel?: string;
  logFormat?: string;
  role?: string;
}

function serverOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'YAML config file (default ./cronfleet.yaml when present)')
    .option('-p, --port <port>', 'HTTP port (default 8080)')
    .option('--host <host>', 'address to listen on (default 0.0.0.0)')
    .option('--database <url>', 'sqlite:./data/cronfleet.db (default: cronfleet.db in the data dir)')
    .option('--data-dir <dir>', 'data directory (default ./data)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .option('--log-format <format>', 'auto|json|pretty: JSON lines, or text; auto is text on a terminal')
    .option('--role <role>', 'all|api|scheduler: api serves the API and console and never leads; scheduler leads and serves executors only (default all)');
}

async function run(flags: ServerFlags, withExecutor: boolean): Promise<void> {
  // Loaded here, not at the top: client commands and the agent never pay for the server.
  const { loadConfig } = await import('../config/config.ts');
  const { createServer } = await import('../server/server.ts');
  const { startLocalExecutor } = await import('./local-executor.ts');
  const config = loadConfig({
    file: flags.config,
    env: process.env,
    flags: { port: flags.port, host: flags.host, database: flags.database, data_dir: flags.dataDir, log_level: flags.logLevel, log_format: flags.logFormat, role: flags.role },
  });
  const { serverLogger } = await import('./log-format.ts');
  const logger = await serverLogger(config.logLevel, config.logFormat);
  // The last net, not the fix: every background promise is meant to be handled where it
  // starts, but one that slips through (a database fault in a path not yet seen) must
  // cost a log line, not every server of the cluster at once.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection (the server keeps running)'));
  // The one-time admin token and password are shown only once this start has worked: the
  // database answered (createServer) and the port is ours with the local executor up. A
  // start that fails after creating them takes them back (the user and the token file), so
  // the next start creates and shows new ones, instead of a port clash printing them and
  // exiting and their never being shown again.
  const firstStart: { token?: string; user?: { username: string; password: string } } = {};
  const server = await startPatiently(logger, () =>
    createServer(config, {
      logger,
      retryDatabase: true,
      onAdminTokenCreated: (token) => (firstStart.token = token),
      onAdminUserCreated: (user) => (firstStart.user = user),
    }),
  ).catch(async (error: unknown) => {
    if (firstStart.token) await removeAdminToken(config.dataDir);
    throw error;
  });
  const fail = async (error: unknown): Promise<never> => {
    await takeBackFirstStart(server, firstStart, (message) => logger.warn(message));
    await server.close();
    throw error;
  };
  let url = '';
  try {
    url = await server.listen();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') await fail(new CliError(`port ${config.port} on ${config.host} is already in use (another cronfleet?); choose another with --port`, 1));
    if (code === 'EACCES') await fail(new CliError(`not allowed to listen on port ${config.port}; use a port above 1023 or run with the needed rights`, 1));
    await fail(error);
  }
  let executor: Awaited<ReturnType<typeof startLocalExecutor>> | null = null;
  try {
    executor = withExecutor
      ? await startLocalExecutor(server.gateway, {
          // Records its runs' process groups; first kills what a crash of the last `up` left running.
          runners: await localRunners(config.dataDir, (note) => process.stderr.write(`${note}\n`)),
          name: config.localExecutor.name,
          capacity: config.localExecutor.capacity,
          labels: { ...config.localExecutor.labels },
          version: VERSION,
          safety: config.localExecutor,
          spans: server.tracing,
          log: (note) => process.stderr.write(`${note}\n`),
        })
      : null;
  } catch (error) {
    await fail(error); // a bad local_executor.* setting: stop cleanly, naming it
  }
  if (firstStart.token) {
    process.stdout.write(
      `\n  First start: an admin token was created. It is shown only this once:\n\n    ${firstStart.token}\n\n` + `  It is stored in ${config.dataDir}/admin-token (mode 600); the CLI on this machine finds it there.\n\n`,
    );
  }
  if (firstStart.user) {
    const { username, password } = firstStart.user;
    process.stdout.write(
      `\n  First start: the web UI user '${username}' was created. Its password is shown only this once:\n\n    ${password}\n\n` +
        `  Sign in and change it under Settings, or set a new one with: cronfleet user set-password ${username}\n\n`,
    );
  }
  process.stdout.write(`cronfleet ${VERSION} listening on ${url} (database ${config.database}${executor ? ', local executor on' : ''})\n`);
  logger.debug({ pauseMs: releaseMemory() }, 'start-up garbage collected');
  const idleRelease = releaseWhenIdle((pauseMs, heapBefore, heapAfter) => logger.debug({ pauseMs, heapBefore, heapAfter }, 'idle: unused heap released'));
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    idleRelease.stop();
    process.stdout.write(`${signal}: shutting down\n`);
    await executor?.stop();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/**
 * Undoes what a failed first start created and never showed: the first admin user (its
 * password exists nowhere else) and the admin token file. Best effort: a failure to undo is
 * logged, and the start's own error is what the user sees.
 */
async function takeBackFirstStart(server: Server, firstStart: { token?: string; user?: { username: string } }, warn: (message: string) => void): Promise<void> {
  try {
    if (firstStart.user) {
      const user = await server.store.users.byName(firstStart.user.username);
      if (user) await server.store.users.delete(user.id);
    }
    if (firstStart.token) await removeAdminToken(server.config.dataDir);
  } catch (error) {
    warn(`could not take back the admin user and token this failed start created: ${(error as Error).message}`);
  }
}

async function removeAdminToken(dataDir: string): Promise<void> {
  const { adminTokenPath } = await import('../api/admin-token.ts');
  const { rmSync } = await import('node:fs');
  rmSync(adminTokenPath(dataDir), { force: true });
}

/**
 * Starts, and on a storage fault (a full disk for the data dir's files, a database that
 * stopped answering between the steps of the start) waits and starts again, 1 s
 * doubling to 30 s, logging each attempt: exiting would only make the service manager
 * restart it in a loop, and space or the database coming back is enough to go on.
 */
async function startPatiently<T>(logger: { warn(object: object, message: string): void }, start: () => Promise<T>): Promise<T> {
  const { classifyFault } = await import('../store/faults.ts');
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (!classifyFault(error)) throw error;
      const delayMs = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      logger.warn({ err: error, attempt, delayMs }, `cannot start yet: ${(error as Error).message}; trying again in ${Math.round(delayMs / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

async function localRunners(dataDir: string, log: (message: string) => void) {
  const { openProcessGroups } = await import('../executor/strays.ts');
  const { defaultRunners } = await import('../executor/runners/index.ts');
  return defaultRunners({ processGroups: await openProcessGroups(dataDir, 'local-executor', (message) => log(`local executor: ${message}`)) });
}

export function upCommand(): Command {
  return serverOptions(new Command('up').description('start everything on this machine: API, scheduler, web page and a local executor (SQLite)')).action((flags: ServerFlags) => run(flags, true));
}

export function serverCommand(): Command {
  return serverOptions(new Command('server').description('start a scheduler/API server without a local executor')).action((flags: ServerFlags) => run(flags, false));
}
