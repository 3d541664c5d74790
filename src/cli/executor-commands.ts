// `cronfleet executor` (run an agent), `cronfleet executor rm` (remove one from the
// fleet) and `cronfleet executor-token` (enrollment tokens).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { IN_PROCESS_INSTANCE_PREFIX } from '../protocol/enums.ts';
import { VERSION } from '../protocol/version.ts';
import { logFormats, parseLabels, type LogFormat } from '../config/values.ts';
import { tracingSettings, type TracingSettings } from '../config/tracing.ts';
import { startTracing } from '../telemetry/tracing.ts';
import { taskTypes } from '../domain/task.ts';
import { ExecutorClient } from '../executor/client.ts';
import { outputLimitsFor } from '../executor/output.ts';
import { resolveExecutorPolicy, type ExecutorPolicy } from '../executor/policy.ts';
import { availableRunners, type Runner } from '../executor/runners/index.ts';
import { loadRunnerModule } from '../executor/runners/plugin.ts';
import { openProcessGroups, type ProcessGroups } from '../executor/strays.ts';
import { ApiClient, CliError } from './client.ts';
import { agentLog } from './log-format.ts';
import { addTokenSubcommands } from './security-commands.ts';
import { addClientOptions } from './task-commands.ts';

interface ExecutorFlags {
  server?: string;
  logFormat?: string;
  token?: string;
  name?: string;
  instanceId?: string;
  labels?: string;
  capacity: string;
  ca?: string;
  runner?: string[];
  allowCommand?: string[];
  runAs?: string;
  maxTimeout?: string;
  maxMemory?: string;
  maxOutput?: string;
  allowLinkLocal?: boolean;
  dataDir?: string;
}

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

export function executorCommand(): Command {
  const command = new Command('executor')
    .description('run an executor agent that dials out to the server(s) and runs what they send')
    .option('--server <urls>', 'server URL(s), comma separated; fails over between them (env CRONFLEET_SERVER)')
    .option('--token <token>', 'executor token from `cronfleet executor-token create` (env CRONFLEET_EXECUTOR_TOKEN)')
    .option('--name <name>', 'executor name (default: the host name)')
    .option('--instance-id <id>', 'stable identity across restarts, bound to the first token that connects with it (default: <hostname>:<name>)')
    .option('--labels <k=v,...>', 'labels tasks can select, e.g. zone=a,gpu=true')
    .option('--capacity <n>', 'executions at once', '4')
    .option('--ca <file>', 'CA certificate (PEM) to trust, besides the system CAs, for https/wss servers with a private CA (env CRONFLEET_CA)')
    .option('--runner <module>', 'add a runner from a module whose default export is a Runner (repeatable; replaces a built-in runner of the same type)', collect)
    .option(
      '--allow-command <glob>',
      'only run command/script tasks whose program (absolute path, after PATH lookup) matches; repeatable; shell tasks need /bin/sh allowed (env CRONFLEET_ALLOW_COMMANDS, comma separated)',
      collect,
    )
    .option('--run-as <user>', 'run command and script processes as this user; needs root (env CRONFLEET_RUN_AS)')
    .option('--max-timeout <seconds>', "ceiling on tasks' timeouts; longer ones are clamped (env CRONFLEET_MAX_TIMEOUT)")
    .option('--max-memory <MB>', 'memory limit per command/script process (ulimit -v) and per container (docker --memory) (env CRONFLEET_MAX_MEMORY)')
    .option('--max-output <bytes>', 'output kept per execution: the first 2/3 and the last 1/3 (env CRONFLEET_MAX_OUTPUT; default 786432)')
    .option('--data-dir <dir>', 'where this executor records the process groups of its runs, so its next start kills what a crash left running (env CRONFLEET_DATA_DIR; default ./data)')
    .option('--allow-link-local', 'let HTTP tasks reach link-local and cloud-metadata addresses such as 169.254.169.254 (env CRONFLEET_ALLOW_LINK_LOCAL=true)')
    .option('--log-format <format>', 'auto|json|pretty: JSON lines, or text; auto is text on a terminal (env CRONFLEET_LOG_FORMAT; default auto)')
    .addHelpText(
      'after',
      // Indented by 4: text after the Commands list must not look like another command in it.
      '\nExample:\n    T=$(cronfleet executor-token create --name web-1)\n    cronfleet executor --server http://scheduler:8080 --token "$T" --labels zone=a --capacity 8\n    cronfleet executor --server http://scheduler:8080 --token "$T" --runner ./podman-runner.ts\n    cronfleet executor --server https://scheduler:8443 --ca ./ca.pem --token "$T" \\\n      --allow-command \'/opt/jobs/**\' --run-as jobs --max-timeout 3600 --max-memory 512',
    )
    .action(async (flags: ExecutorFlags) => {
      const servers = (flags.server ?? process.env.CRONFLEET_SERVER ?? 'http://localhost:8080')
        .split(',')
        .map((url) => url.trim())
        .filter(Boolean);
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
      const instanceId = flags.instanceId ?? `${hostname()}:${name}`;
      if (instanceId.startsWith(IN_PROCESS_INSTANCE_PREFIX)) {
        throw new CliError(`--instance-id: ids starting with '${IN_PROCESS_INSTANCE_PREFIX}' belong to the built-in executor of \`cronfleet up\`; the server refuses them from agents`, 2);
      }
      let labels: Record<string, string>;
      try {
        labels = flags.labels ? parseLabels(flags.labels, '--labels', 'flag --labels') : {};
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      const logFormat = flags.logFormat ?? process.env.CRONFLEET_LOG_FORMAT ?? 'auto';
      if (!(logFormats as readonly string[]).includes(logFormat)) throw new CliError(`--log-format must be one of ${logFormats.join(', ')}, got '${logFormat}'`, 2);
      const log: Log = agentLog(logFormat as LogFormat);
      const policy = await policyFor(flags);
      for (const note of policy.notes) log('info', note);
      const maxOutput = flags.maxOutput ?? process.env.CRONFLEET_MAX_OUTPUT;
      const outputLimits = maxOutput === undefined ? null : outputLimitsFor(integerFlag('--max-output', maxOutput, 1024));
      const caPath = flags.ca ?? process.env.CRONFLEET_CA;
      let ca: Buffer | null = null;
      if (caPath) {
        try {
          ca = readFileSync(caPath);
        } catch (error) {
          throw new CliError(`--ca: cannot read ${caPath}: ${(error as Error).message}`, 2);
        }
        if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new CliError(`--ca: ${caPath} holds no PEM certificate`, 2);
      }
      const processGroups = await processGroupsFor(flags.dataDir ?? process.env.CRONFLEET_DATA_DIR ?? null, instanceId, log);
      const runners = await runnersFor(flags.runner ?? [], log, processGroups);
      // OpenTelemetry, when OTEL_* variables configure an exporter: the SDK is loaded only then.
      let settings: TracingSettings | null;
      try {
        settings = tracingSettings(process.env, 'cronfleet-executor');
      } catch (error) {
        throw new CliError((error as Error).message, 2);
      }
      const tracing = settings ? await startTracing(settings, VERSION) : null;
      if (settings) log('info', `tracing on: spans of runs go to ${settings.exporters.map((name) => (name === 'otlp' ? (settings.otlpUrl ?? 'the default OTLP endpoint') : name)).join(', ')} as ${settings.serviceName}`);
      const executor = new ExecutorClient({
        servers,
        token,
        name,
        instanceId,
        labels,
        capacity,
        runners,
        version: VERSION,
        policy,
        spans: tracing,
        ...(outputLimits ? { outputLimits } : {}),
        ...(ca ? { ca } : {}),
        log,
      });
      executor.start();
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) process.exit(1);
        stopping = true;
        process.stderr.write(`${signal}: stopping executor\n`);
        await executor.stop();
        await tracing?.shutdown(); // sends the spans still buffered
        process.exit(0);
      };
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
    });
  addRemoveSubcommand(command);
  return command;
}

/**
 * `cronfleet executor rm <id-or-name>`. The parent command's --server, --token,
 * --data-dir and --ca are recognised after the subcommand too (commander reads a
 * parent's options anywhere), so they are the parent's, read with optsWithGlobals:
 * here --token is an API token (default CRONFLEET_ADMIN_TOKEN, else the admin token in
 * the data dir), not an executor token.
 */
function addRemoveSubcommand(command: Command): void {
  command
    .command('rm <executor>')
    .description('remove an executor (by id or exact name) that is offline or in maintenance and runs nothing; admins only')
    .addHelpText(
      'after',
      '\nTakes --server URL, --token <API token> (env CRONFLEET_ADMIN_TOKEN; default: the admin token in --data-dir) and --ca.\n' +
        'An agent that reconnects later comes back in maintenance.\n\nExample:\n  cronfleet executor rm web-1 --server http://scheduler:8080',
    )
    .action(async (idOrName: string, _options, sub: Command) => {
      const flags = sub.optsWithGlobals<{ server?: string; token?: string; dataDir?: string; ca?: string }>();
      const server = flags.server?.split(',')[0]?.trim();
      const api = new ApiClient({ ...(server ? { server } : {}), ...(flags.token ? { token: flags.token } : {}), ...(flags.dataDir ? { dataDir: flags.dataDir } : {}), ...(flags.ca ? { ca: flags.ca } : {}) });
      const executor = await findExecutor(api, idOrName);
      await api.request('DELETE', `/executors/${encodeURIComponent(executor.id)}`);
      process.stdout.write(`removed executor ${executor.name} (${executor.id})\n`);
    });
}

interface ExecutorRow {
  id: string;
  name: string;
  status: string;
}

/** The executor with this id, else the one with exactly this name (several: an error listing their ids). */
async function findExecutor(api: ApiClient, idOrName: string): Promise<ExecutorRow> {
  const { items } = await api.request<{ items: ExecutorRow[] }>('GET', '/executors');
  const byId = items.find((executor) => executor.id === idOrName);
  if (byId) return byId;
  const named = items.filter((executor) => executor.name === idOrName);
  if (named.length === 1) return named[0]!;
  if (named.length > 1) {
    throw new CliError(`${named.length} executors are named '${idOrName}'; give the id of one: ${named.map((executor) => `${executor.id} (${executor.status})`).join(', ')}`);
  }
  throw new CliError(`no executor with id or name '${idOrName}' (list them with GET /api/v1/executors or the web UI)`);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The safety settings from flags, else from their CRONFLEET_* variables. */
async function policyFor(flags: ExecutorFlags): Promise<ExecutorPolicy> {
  const env = process.env;
  const allowCommands = flags.allowCommand ?? env.CRONFLEET_ALLOW_COMMANDS?.split(',') ?? [];
  const maxTimeout = flags.maxTimeout ?? env.CRONFLEET_MAX_TIMEOUT;
  const maxMemory = flags.maxMemory ?? env.CRONFLEET_MAX_MEMORY;
  const allowLinkLocal = flags.allowLinkLocal ?? ['1', 'true'].includes(env.CRONFLEET_ALLOW_LINK_LOCAL ?? '');
  try {
    return await resolveExecutorPolicy({
      allowCommands,
      runAs: flags.runAs ?? env.CRONFLEET_RUN_AS ?? null,
      maxTimeoutSeconds: maxTimeout === undefined ? null : integerFlag('--max-timeout', maxTimeout, 1),
      maxMemoryMb: maxMemory === undefined ? null : integerFlag('--max-memory', maxMemory, 1),
      allowLinkLocal,
    });
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
}

function integerFlag(name: string, value: string, minimum: number): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < minimum) throw new CliError(`${name} must be a whole number of at least ${minimum}, got '${value}'`, 2);
  return number;
}

/**
 * Kills what an earlier start of this executor left running, before it takes any work.
 * A data dir named by the operator must be usable; the default one (./data) may not be
 * (a read-only working directory): the executor then runs without the record, and says so.
 */
async function processGroupsFor(dataDir: string | null, instanceId: string, log: Log): Promise<ProcessGroups | null> {
  const directory = resolve(dataDir ?? './data');
  try {
    return await openProcessGroups(directory, instanceId, (message) => log('warn', message));
  } catch (error) {
    const why = `cannot record process groups in ${directory}: ${(error as Error).message}`;
    if (dataDir !== null) throw new CliError(`--data-dir: ${why}`, 2);
    log('warn', `${why}; a run may outlive a crash of this executor (give a writable --data-dir)`);
    return null;
  }
}

/** The built-in runners this machine can serve, with the --runner modules over them. */
async function runnersFor(modules: string[], log: Log, processGroups: ProcessGroups | null): Promise<Runner[]> {
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
  const builtIn = await availableRunners({ processGroups });
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
  addTokenSubcommands(command, { path: '/executor-tokens', role: false, columns: ['id', 'name', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'], revoked: 'executors using it can no longer connect' });
  return command;
}
