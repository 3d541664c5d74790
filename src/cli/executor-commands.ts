// `cronfleet executor` (run an agent) and `cronfleet executor-token` (enrollment tokens).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Command } from 'commander';
import { VERSION } from '../api/server.ts';
import { parseLabels } from '../config/config.ts';
import { taskTypes } from '../domain/task.ts';
import { ExecutorClient } from '../executor/client.ts';
import { availableRunners, type Runner } from '../executor/runners/index.ts';
import { loadRunnerModule } from '../executor/runners/plugin.ts';
import { CliError } from './client.ts';
import { printJson, table } from './format.ts';
import { addClientOptions, client } from './task-commands.ts';

interface ExecutorFlags {
  server?: string;
  token?: string;
  name?: string;
  instanceId?: string;
  labels?: string;
  capacity: string;
  ca?: string;
  runner?: string[];
}

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export function executorCommand(): Command {
  return new Command('executor')
    .description('run an executor agent that dials out to the server(s) and runs what they send')
    .option('--server <urls>', 'server URL(s), comma separated; fails over between them (env CRONFLEET_SERVER)')
    .option('--token <token>', 'executor token from `cronfleet executor-token create` (env CRONFLEET_EXECUTOR_TOKEN)')
    .option('--name <name>', 'executor name (default: the host name)')
    .option('--instance-id <id>', 'stable identity across restarts (default: <hostname>:<name>)')
    .option('--labels <k=v,...>', 'labels tasks can select, e.g. zone=a,gpu=true')
    .option('--capacity <n>', 'executions at once', '4')
    .option('--ca <file>', 'extra CA certificate (PEM) to trust for https/wss servers')
    .option('--runner <module>', 'add a runner from a module whose default export is a Runner (repeatable; replaces a built-in runner of the same type)', (path: string, paths: string[] = []) => [...paths, path])
    .addHelpText(
      'after',
      '\nExample:\n  T=$(cronfleet executor-token create --name web-1)\n  cronfleet executor --server http://scheduler:8080 --token "$T" --labels zone=a --capacity 8\n  cronfleet executor --server http://scheduler:8080 --token "$T" --runner ./podman-runner.ts',
    )
    .action(async (flags: ExecutorFlags) => {
      const servers = (flags.server ?? process.env.CRONFLEET_SERVER ?? 'http://localhost:8080').split(',').map((url) => url.trim()).filter(Boolean);
      for (const server of servers) {
        try {
          new URL(server);
        } catch {
          throw new CliError(`--server: '${server}' is not a URL such as http://host:8080`, 2);
        }
      }
      const token = flags.token ?? process.env.CRONFLEET_EXECUTOR_TOKEN;
      if (!token) throw new CliError('--token is required: create one with `cronfleet executor-token create --name <name>`', 2);
      const capacity = Number(flags.capacity);
      if (!Number.isInteger(capacity) || capacity < 1 || capacity > 10_000) throw new CliError(`--capacity must be an integer from 1 to 10000, got '${flags.capacity}'`, 2);
      const name = flags.name ?? hostname();
      let labels: Record<string, string>;
      try {
        labels = flags.labels ? parseLabels(flags.labels, '--labels', 'flag --labels') : {};
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      const log: Log = (level, message) => process.stderr.write(`${new Date().toISOString()} ${level} ${message}\n`);
      const runners = await runnersFor(flags.runner ?? [], log);
      const executor = new ExecutorClient({
        servers,
        token,
        name,
        instanceId: flags.instanceId ?? `${hostname()}:${name}`,
        labels,
        capacity,
        runners,
        version: VERSION,
        ...(flags.ca ? { ca: readFileSync(flags.ca) } : {}),
        log,
      });
      executor.start();
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) process.exit(1);
        stopping = true;
        process.stderr.write(`${signal}: stopping executor\n`);
        await executor.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    });
}

/** The built-in runners this machine can serve, with the --runner modules over them. */
async function runnersFor(modules: string[], log: Log): Promise<Runner[]> {
  // Plugins load first: a bad module fails the command before anything else happens.
  const plugins = new Map<string, { runner: Runner; path: string }>();
  for (const path of modules) {
    const runner = await loadRunnerModule(path);
    const other = plugins.get(runner.type);
    if (other) throw new CliError(`--runner ${path}: ${other.path} already runs type '${runner.type}'`, 2);
    if (!(taskTypes as readonly string[]).includes(runner.type)) {
      log('warn', `runner '${runner.type}' from ${path} will receive no work: the server only sends ${taskTypes.join(', ')} tasks`);
    }
    plugins.set(runner.type, { runner, path });
  }
  const builtIn = await availableRunners();
  for (const { runner, path } of plugins.values()) {
    const replaces = builtIn.some((candidate) => candidate.type === runner.type);
    log('info', `runner '${runner.type}' loaded from ${path}${replaces ? ' (replaces the built-in one)' : ''}`);
  }
  const runners = [...builtIn.filter((runner) => !plugins.has(runner.type)), ...[...plugins.values()].map((plugin) => plugin.runner)];
  if (!runners.some((runner) => runner.type === 'docker')) log('info', 'docker runner unavailable: no docker engine answered `docker info`; docker tasks go to other executors');
  return runners;
}

export function executorTokenCommand(): Command {
  const command = addClientOptions(new Command('executor-token').description('create, list and revoke executor enrollment tokens'));
  command
    .command('create')
    .description('create a token; prints only the secret, so T=$(cronfleet executor-token create …) works')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--expires-in <seconds>', 'expiry in seconds from now')
    .action(async (options: { name: string; expiresIn?: string }, sub: Command) => {
      const body: Record<string, unknown> = { name: options.name };
      if (options.expiresIn !== undefined) {
        const seconds = Number(options.expiresIn);
        if (!Number.isInteger(seconds)) throw new CliError(`--expires-in must be a number of seconds, got '${options.expiresIn}'`, 2);
        body.expires_in_seconds = seconds;
      }
      const created = await client(sub).request<{ token: string }>('POST', '/executor-tokens', body);
      process.stdout.write(`${created.token}\n`);
    });
  command
    .command('ls')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, sub: Command) => {
      const page = await client(sub).request<{ items: Array<Record<string, unknown>> }>('GET', '/executor-tokens');
      if (options.json) return printJson(page);
      process.stdout.write(`${table(page.items, ['id', 'name', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'])}\n`);
    });
  command
    .command('revoke <id>')
    .description('revoke a token: executors using it can no longer connect')
    .action(async (id: string, _options, sub: Command) => {
      await client(sub).request('DELETE', `/executor-tokens/${id}`);
      process.stdout.write(`revoked ${id}\n`);
    });
  // Connection flags are listed in every subcommand's --help, not only the parent's.
  for (const sub of command.commands) addClientOptions(sub);
  return command;
}
