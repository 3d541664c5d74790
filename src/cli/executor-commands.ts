// `cronfleet executor` (run an agent: executor-agent.ts, loaded only then), and
// `cronfleet executor ls|drain|resume|rm` (the fleet as the web UI shows and operates it).
import { Command, Option } from 'commander';
import type { ExecutorFlags } from './executor-agent.ts';
import { CliError } from './cli-error.ts';
import { say } from './cli-messages.ts';
import { ApiClient } from './client.ts';
import { outputFormat, outputOption, printAs, table } from './format.ts';

export function executorCommand(): Command {
  const command = new Command('executor')
    .description('run an executor agent that dials out to the server(s) and runs what they send')
    .option('-c, --config <file>', 'YAML file of these settings, keys as in README "Executor settings" (default ./cronfleet-executor.yaml when present); flags > CRONFLEET_* > file')
    .option('--server <urls>', 'server URL(s), comma separated; fails over between them (env CRONFLEET_SERVER)')
    .option('--token <token>', 'executor token from `cronfleet executor-token create` (env CRONFLEET_EXECUTOR_TOKEN)')
    .option('--name <name>', 'executor name (env CRONFLEET_EXECUTOR_NAME; default: the host name)')
    .option('--instance-id <id>', 'stable identity across restarts, bound to the first token that connects with it (env CRONFLEET_EXECUTOR_INSTANCE_ID; default: <hostname>:<name>)')
    .option('--labels <k=v,...>', 'labels tasks can select, e.g. zone=a,gpu=true (env CRONFLEET_LABELS)')
    .option('--capacity <n>', 'executions at once (env CRONFLEET_CAPACITY; default 4)')
    .option('--ca <file>', 'CA certificate (PEM) to trust, besides the system CAs, for https/wss servers with a private CA (env CRONFLEET_CA)')
    .option('--runner <module>', 'add a runner from a module whose default export is a Runner (repeatable; replaces a built-in runner of the same type; env CRONFLEET_RUNNERS, comma separated)', collect)
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
      const { runAgent } = await import('./executor-agent.ts');
      await runAgent(flags);
    });
  addFleetSubcommands(command);
  addRemoveSubcommand(command);
  return command;
}

/**
 * `cronfleet executor rm <id-or-name>`. The parent command's --server, --token,
 * --data-dir and --ca are recognised after the subcommand too (commander reads a
 * parent's options anywhere), so they are the parent's, read with optsWithGlobals:
 * here --token is an API token (default CRONFLEET_TOKEN or CRONFLEET_ADMIN_TOKEN, else the admin token in
 * the data dir), not an executor token.
 */
function addRemoveSubcommand(command: Command): void {
  command
    .command('rm <executor>')
    .description('remove an executor (by id or exact name) that is offline or in maintenance and runs nothing; admins only')
    .addHelpText(
      'after',
      '\nTakes --server URL, --token <API token> (env CRONFLEET_TOKEN or CRONFLEET_ADMIN_TOKEN; default: the admin token in --data-dir) and --ca.\n' +
        'An agent that reconnects later comes back in maintenance.\n\nExample:\n  cronfleet executor rm web-1 --server http://scheduler:8080',
    )
    .action(async (idOrName: string, _options, sub: Command) => {
      const api = apiClient(sub);
      const executor = await findExecutor(api, idOrName);
      await api.request('DELETE', `/executors/${encodeURIComponent(executor.id)}`);
      process.stdout.write(`removed executor ${executor.name} (${executor.id})\n`);
    });
}

/** The API client of a subcommand: the parent's --server (the first of a list), --token (an API token here), --data-dir and --ca. */
function apiClient(sub: Command): ApiClient {
  const flags = sub.optsWithGlobals<{ server?: string; token?: string; dataDir?: string; ca?: string }>();
  const server = flags.server?.split(',')[0]?.trim();
  return new ApiClient({ ...(server ? { server } : {}), ...(flags.token ? { token: flags.token } : {}), ...(flags.dataDir ? { dataDir: flags.dataDir } : {}), ...(flags.ca ? { ca: flags.ca } : {}) });
}

const listColumns = ['id', 'name', 'kind', 'status', 'is_healthy', 'running', 'capacity', 'labels', 'version', 'heartbeat_age_ms'];

/** `executor ls`, and `drain` / `resume`: maintenance (running work finishes, nothing new is sent) and back online. */
function addFleetSubcommands(command: Command): void {
  command
    .command('ls')
    .description('list executors: status, health, load')
    .addOption(outputOption('table'))
    .addHelpText('after', '\nTakes --server URL, --token <API token> and --ca, as `executor rm` does.')
    .action(async (options: { output?: string }, sub: Command) => {
      const page = await apiClient(sub).request<{ items: Array<Record<string, unknown>>; total: number }>('GET', '/executors');
      await printAs(outputFormat(options, 'table'), page, () => `${table(page.items, listColumns)}\n${page.total} executor(s)`);
    });
  for (const [verb, status, description] of [
    ['drain', 'maintenance', 'put an executor in maintenance: what runs there finishes, nothing new is sent to it'],
    ['resume', 'online', 'bring an executor back from maintenance: work is sent to it again'],
  ] as const) {
    command
      .command(`${verb} <executor>`)
      .description(`${description} (by id or exact name)`)
      .option('--reason <text>', 'why, for the server log')
      .addOption(new Option('-o, --output <format>', 'json or yaml: print the executor as it is now').choices(['json', 'yaml']))
      .action(async (idOrName: string, options: { reason?: string; output?: 'json' | 'yaml' }, sub: Command) => {
        const api = apiClient(sub);
        const executor = await findExecutor(api, idOrName);
        const updated = await api.request<ExecutorRow>('PUT', `/executors/${encodeURIComponent(executor.id)}/status`, { status, ...(options.reason ? { reason: options.reason } : {}) });
        if (options.output) return printAs(options.output, updated, () => '');
        process.stdout.write(`${say(verb === 'drain' ? 'executor.drained' : 'executor.resumed', { name: updated.name, id: updated.id })}\n`);
      });
  }
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
  throw new CliError(`no executor with id or name '${idOrName}' (list them with cronfleet executor ls)`);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];
