// `cronfleet executor` (run an agent: executor-agent.ts, loaded only then), and
// `cronfleet executor ls|drain|resume|rm` (the fleet as the web UI shows and operates it).
import { Command, Option } from 'commander';
import type { ExecutorFlags } from './executor-agent.ts';
import { CliError } from './cli-error.ts';
import { EXECUTOR_OPTIONS } from './executor-options.ts';
import { say } from './cli-messages.ts';
import { ApiClient } from './client.ts';
import { outputFormat, outputOption, printAs, table } from './format.ts';

export function executorCommand(): Command {
  const command = new Command('executor').description('run an executor agent that dials out to the server(s) and runs what they send');
  for (const option of EXECUTOR_OPTIONS) {
    if (option.repeatable) command.option(option.flags, option.description, collect);
    else command.option(option.flags, option.description);
  }
  command
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
