// The agent behind `cronfleet executor`: reads its settings, opens its process-group
// record, finds its runners and connects to the server(s). Loaded only when an agent
// starts (executor-commands.ts defines the command), so the other commands never load
// the WebSocket client or the runners, and the agent loads nothing of the server's.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { IN_PROCESS_INSTANCE_PREFIX, taskTypes } from '../protocol/enums.ts';
import { VERSION } from '../protocol/version.ts';
import { readExecutorSettings, type ExecutorFlags, type ExecutorSettings } from '../config/executor-settings.ts';
import { tracingSettings, type TracingSettings } from '../config/tracing.ts';
import { startTracing } from '../telemetry/tracing.ts';
import { ExecutorClient } from '../executor/client.ts';
import { outputLimitsFor } from '../executor/output.ts';
import { resolveExecutorPolicy, type ExecutorPolicy } from '../executor/policy.ts';
import { availableRunners, type Runner } from '../executor/runners/index.ts';
import { loadRunnerModule } from '../executor/runners/plugin.ts';
import { openProcessGroups, type ProcessGroups } from '../executor/strays.ts';
import { CliError } from './cli-error.ts';
import { agentLog } from './log-format.ts';
import { releaseMemory } from './memory-release.ts';

export type { ExecutorFlags } from '../config/executor-settings.ts';

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

/** Starts the agent; it runs until SIGINT or SIGTERM. Settings: flags > CRONFLEET_* > config file > defaults. */
export async function runAgent(flags: ExecutorFlags): Promise<void> {
  let settings: ExecutorSettings;
  try {
    settings = await readExecutorSettings(flags, process.env);
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  const servers = settings.servers.value;
  const token = settings.token.value;
  if (!token) {
    throw new CliError('an executor token is required (--token, CRONFLEET_EXECUTOR_TOKEN or token: in the config file): create one with `cronfleet executor-token create --name <name>`', 2);
  }
  const capacity = settings.capacity.value;
  const name = settings.name.value ?? hostname();
  const instanceId = settings.instanceId.value ?? `${hostname()}:${name}`;
  if (instanceId.startsWith(IN_PROCESS_INSTANCE_PREFIX)) {
    throw new CliError(`${settings.instanceId.source}: ids starting with '${IN_PROCESS_INSTANCE_PREFIX}' belong to the built-in executor of \`cronfleet up\`; the server refuses them from agents`, 2);
  }
  const labels = settings.labels.value;
  const log: Log = agentLog(settings.logFormat.value);
  if (settings.file) log('info', `settings from ${settings.file}, under the environment's CRONFLEET_* and the flags`);
  const policy = await policyFor(settings);
  for (const note of policy.notes) log('info', note);
  const outputLimits = settings.maxOutput.value === null ? null : outputLimitsFor(settings.maxOutput.value);
  const caPath = settings.ca.value;
  let ca: Buffer | null = null;
  if (caPath) {
    const source = settings.ca.source;
    try {
      ca = readFileSync(caPath);
    } catch (error) {
      throw new CliError(`${source}: cannot read ${caPath}: ${(error as Error).message}`, 2);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new CliError(`${source}: ${caPath} holds no PEM certificate`, 2);
  }
  const processGroups = await processGroupsFor(settings.dataDir, instanceId, log);
  const runners = await runnersFor(settings.runners, log, processGroups);
  // OpenTelemetry, when OTEL_* variables configure an exporter: the SDK is loaded only then.
  let tracingConfig: TracingSettings | null;
  try {
    tracingConfig = tracingSettings(process.env, 'cronfleet-executor');
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
  const tracing = tracingConfig ? await startTracing(tracingConfig, VERSION) : null;
  if (tracingConfig) {
    const exporters = tracingConfig.exporters.map((exporter) => (exporter === 'otlp' ? (tracingConfig.otlpUrl ?? 'the default OTLP endpoint') : exporter));
    log('info', `tracing on: spans of runs go to ${exporters.join(', ')} as ${tracingConfig.serviceName}`);
  }
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
  releaseMemory();
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
}

/** The safety settings (executor/policy.ts checks the program globs and the user). */
async function policyFor(settings: ExecutorSettings): Promise<ExecutorPolicy> {
  try {
    return await resolveExecutorPolicy({
      allowCommands: settings.allowCommands.value,
      runAs: settings.runAs.value,
      maxTimeoutSeconds: settings.maxTimeout.value,
      maxMemoryMb: settings.maxMemory.value,
      allowLinkLocal: settings.allowLinkLocal.value,
    });
  } catch (error) {
    throw new CliError((error as Error).message, 2);
  }
}

/**
 * Kills what an earlier start of this executor left running, before it takes any work.
 * A data dir named by the operator must be usable; the default one (./data) may not be
 * (a read-only working directory): the executor then runs without the record, and says so.
 */
async function processGroupsFor(dataDir: ExecutorSettings['dataDir'], instanceId: string, log: Log): Promise<ProcessGroups | null> {
  const directory = resolve(dataDir.value ?? './data');
  try {
    return await openProcessGroups(directory, instanceId, (message) => log('warn', message));
  } catch (error) {
    const why = `cannot record process groups in ${directory}: ${(error as Error).message}`;
    if (dataDir.source !== null) throw new CliError(`${dataDir.source}: ${why}`, 2);
    log('warn', `${why}; a run may outlive a crash of this executor (give a writable --data-dir)`);
    return null;
  }
}

/** The built-in runners this machine can serve, with the --runner modules over them. */
async function runnersFor(modules: ExecutorSettings['runners'], log: Log, processGroups: ProcessGroups | null): Promise<Runner[]> {
  // Plugins load first: a bad module fails the command before anything else happens.
  const plugins = new Map<string, { runner: Runner; path: string }>();
  for (const path of modules.value) {
    const runner = await loadRunnerModule(path);
    const other = plugins.get(runner.type);
    if (other) throw new CliError(`${modules.source} ${path}: ${other.path} already runs type '${runner.type}'`, 2);
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
