// `cronfleet task …`
import { Command, Option } from 'commander';
import { cronDialects, executionModes, misfirePolicies, taskStatuses, taskTypes } from '../protocol/enums.ts';
import { CliError } from './cli-error.ts';
import { ApiClient, type ClientOptions } from './client.ts';
import { say } from './cli-messages.ts';
import { fields, outputFormat, outputOption, printAs, printJson, readInput, table } from './format.ts';

interface TaskFlags {
  file?: string;
  name?: string;
  description?: string;
  cron?: string;
  timezone?: string;
  cronDialect?: string;
  type?: string;
  command?: string;
  arg?: string[];
  shell?: boolean;
  env?: string[];
  url?: string;
  method?: string;
  handler?: string;
  param?: string[];
  label?: string[];
  executionMode?: string;
  strategy?: string;
  maxRetry?: string;
  timeout?: string;
  misfirePolicy?: string;
  maxQueued?: string;
  dispatchTimeout?: string;
  historyLimit?: string;
  paused?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addClientOptions(command: Command): Command {
  return command
    .option('--server <url>', 'server URL (env CRONFLEET_SERVER)', undefined)
    .option('--token <token>', 'API token (env CRONFLEET_TOKEN, or CRONFLEET_ADMIN_TOKEN; default: the admin token in the data dir)')
    .option('--data-dir <dir>', 'where to find the admin token', undefined)
    .option('--ca <file>', 'CA certificate (PEM) to trust for an https server with a private CA (env CRONFLEET_CA)');
}

export function client(command: Command): ApiClient {
  const options = command.optsWithGlobals<ClientOptions>();
  return new ApiClient(options);
}

/** Fields a read answers that are no part of a definition: a body saved from a read may carry them; they are dropped. */
const readOnlyFields = ['id', 'version', 'created_at', 'updated_at', 'next_fire_at', 'last_fire_at', 'warnings', 'recent_executions', 'error'] as const;

/** A task body without the read-only fields; `status: deleted` (a state no client sets) goes too, any other status is checked where it is used. */
export function withoutReadOnlyFields(body: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...body };
  for (const field of readOnlyFields) delete result[field];
  if (result.status === 'deleted') delete result.status;
  return result;
}

/** Accepts a task id or a task name. */
export async function resolveTaskId(api: ApiClient, idOrName: string): Promise<string> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-/.test(idOrName)) return idOrName;
  // Names are stored composed (NFC), and search also matches descriptions: read every page
  // of matches for the one whose name is exactly this. The name is percent-encoded (UTF-8).
  const name = idOrName.normalize('NFC');
  for (let pageNumber = 1; ; pageNumber++) {
    const page = await api.request<{ items: Array<{ id: string; name: string }>; total: number }>('GET', `/tasks?search=${encodeURIComponent(name)}&page_size=1000&page=${pageNumber}`);
    const match = page.items.find((task) => task.name === name);
    if (match) return match.id;
    if (page.items.length === 0 || pageNumber * 1000 >= page.total) throw new CliError(`no task with id or name '${idOrName}'`);
  }
}

function pairs(list: string[] | undefined, what: string): Record<string, string> | undefined {
  if (!list) return undefined;
  const result: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf('=');
    if (at <= 0) throw new CliError(`${what} must look like key=value, got '${item}'`, 2);
    result[item.slice(0, at)] = item.slice(at + 1);
  }
  return result;
}

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number)) throw new CliError(`${flag} must be an integer, got '${value}'`, 2);
  return number;
}

/** The task body from --file and/or flags (flags win). Only given fields are set. */
async function taskBody(flags: TaskFlags): Promise<Record<string, unknown>> {
  let body: Record<string, unknown> = {};
  if (flags.file) {
    let text: string;
    try {
      text = await readInput(flags.file);
    } catch (error) {
      throw new CliError(`cannot read ${flags.file}: ${(error as Error).message}`, 2);
    }
    try {
      // Loaded only here: the agent and most commands never need a YAML parser.
      const { parse: parseYaml } = await import('yaml');
      body = parseYaml(text) as Record<string, unknown>; // YAML is a superset of JSON
    } catch (error) {
      throw new CliError(`${flags.file} is not valid JSON or YAML: ${(error as Error).message}`, 2);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CliError(`${flags.file} must hold one task object`, 2);
    body = withoutReadOnlyFields(body); // a file saved from `task get -o yaml` carries them
  }
  const set = (key: string, value: unknown) => {
    if (value !== undefined) body[key] = value;
  };
  set('name', flags.name);
  set('description', flags.description);
  set('cron_expression', flags.cron);
  set('timezone', flags.timezone);
  set('cron_dialect', flags.cronDialect);
  set('type', flags.type);
  set('command', flags.command);
  set('args', flags.arg);
  set('shell', flags.shell);
  set('env', pairs(flags.env, '--env'));
  if (flags.url) body.http = { ...(body.http ?? {}), url: flags.url, ...(flags.method ? { method: flags.method } : {}) };
  set('handler', flags.handler);
  const params = pairs(flags.param, '--param');
  if (params) body.parameters = { ...(body.parameters ?? {}), ...params };
  set('executor_labels', pairs(flags.label, '--label'));
  set('execution_mode', flags.executionMode);
  set('load_balance_strategy', flags.strategy);
  set('max_retry', integer(flags.maxRetry, '--max-retry'));
  set('timeout_seconds', integer(flags.timeout, '--timeout'));
  set('misfire_policy', flags.misfirePolicy);
  set('max_queued', integer(flags.maxQueued, '--max-queued'));
  set('dispatch_timeout_seconds', integer(flags.dispatchTimeout, '--dispatch-timeout'));
  set('history_limit', flags.historyLimit === 'none' ? null : integer(flags.historyLimit, '--history-limit'));
  if (flags.paused) body.status = 'paused';
  return body;
}

function definitionOptions(command: Command): Command {
  return command
    .option('-f, --file <path>', "task body as JSON or YAML ('-' for stdin); flags override its fields")
    .option('--name <name>', 'unique task name')
    .option('--description <text>', 'description')
    .option('--cron <expression>', "schedule: 5 or 6 fields, @daily, '@every 30s'")
    .option('--timezone <iana>', 'IANA time zone (default UTC)')
    .addOption(new Option('--cron-dialect <dialect>', 'how --cron is read: standard (Unix, 0/7 = Sunday) or quartz (seconds first, 1 = Sunday … 7 = Saturday, ? in one day field)').choices(cronDialects))
    .addOption(new Option('--type <type>', 'task type').choices(taskTypes))
    .option('--command <path>', 'program to run (command tasks)')
    .option('--arg <value>', 'an argument (repeat for more)', collect)
    .option('--shell', 'run --command through /bin/sh -c')
    .option('--env <key=value>', 'environment variable (repeat)', collect)
    .option('--url <url>', 'URL to call (http tasks)')
    .option('--method <method>', 'HTTP method (http tasks)')
    .option('--handler <name>', 'handler name (handler tasks)')
    .option('--param <key=value>', 'task parameter (repeat)', collect)
    .option('--label <key=value>', 'executor label required (repeat)', collect)
    .addOption(new Option('--execution-mode <mode>', 'when runs overlap: parallel, sequential (skip while one runs or waits), queue (wait in line), skip, replace').choices(executionModes))
    .option('--max-queued <n>', 'queue mode: fires waiting at most; an older one beyond it is skipped (default 1)')
    .option('--strategy <strategy>', 'load balance strategy')
    .option('--max-retry <n>', 'retries after a failure')
    .option('--timeout <seconds>', 'timeout in seconds')
    .option('--dispatch-timeout <seconds>', 'a run no executor can take fails (no_executor) after this long (default 300)')
    .option('--history-limit <n>', "keep at most this many finished executions, the newest ('none': no limit, the default)")
    .addOption(new Option('--misfire-policy <policy>', 'what to do with fires missed while down').choices(misfirePolicies));
}

/** A created or updated task: the JSON on stdout, and what may keep it from running on stderr. */
function printWithWarnings(task: { warnings?: string[] }): void {
  printJson(task);
  for (const warning of task.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
}

interface ExecutionRow extends Record<string, unknown> {
  id: string;
  task_id: string;
  status: string;
  attempt: number;
  max_attempts: number | null;
  retry_of: string | null;
  error: string | null;
  reason: string | null;
}

const endedStatuses = new Set(['success', 'failed', 'timeout', 'skipped', 'cancelled']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The execution once it has ended, following its retries: a failed attempt with attempts
 * left is followed by the next (the server creates it as the attempt ends: a few seconds
 * are allowed for it to appear). Polled every half second, which a person waiting on a
 * run does not notice and a server does not feel.
 */
async function waitForOutcome(api: ApiClient, execution: ExecutionRow, deadline: number | null): Promise<ExecutionRow> {
  let current = execution;
  for (;;) {
    if (endedStatuses.has(current.status)) {
      const retriable = (current.status === 'failed' || current.status === 'timeout') && current.max_attempts !== null && current.attempt < current.max_attempts;
      const next = retriable ? await nextAttempt(api, current) : null;
      if (next === null) return current;
      current = next;
      continue;
    }
    if (deadline !== null && Date.now() > deadline) throw new CliError(say('trigger.timeout', { id: current.id, status: current.status }));
    await sleep(500);
    current = await api.request<ExecutionRow>('GET', `/executions/${current.id}`);
  }
}

async function nextAttempt(api: ApiClient, ended: ExecutionRow): Promise<ExecutionRow | null> {
  const first = ended.retry_of ?? ended.id;
  for (let tries = 0; tries < 10; tries++) {
    const page = await api.request<{ items: ExecutionRow[] }>('GET', `/executions?task_id=${encodeURIComponent(ended.task_id)}&page_size=50`);
    const next = page.items.find((item) => item.retry_of === first && item.attempt === ended.attempt + 1);
    if (next) return next;
    await sleep(500);
  }
  return null;
}

const listColumns = ['id', 'name', 'status', 'type', 'cron_expression', 'timezone', 'next_fire_at'];

export function taskCommand(): Command {
  const task = addClientOptions(new Command('task').description('create, inspect and operate tasks'));

  task
    .command('ls')
    .description('list tasks')
    .addOption(new Option('--status <status>', 'only tasks in this status').choices(taskStatuses))
    .option('--search <text>', 'only tasks whose name contains this')
    .option('--page <n>', 'page number', '1')
    .option('--page-size <n>', 'tasks per page', '20')
    .option('--tag <tag>', 'only tasks carrying this tag')
    .addOption(outputOption('table'))
    .option('--json', 'print JSON (the same as -o json)')
    .action(async (options: { status?: string; search?: string; tag?: string; page: string; pageSize: string; json?: boolean; output?: string }, command: Command) => {
      const format = outputFormat(options, 'table');
      const query = new URLSearchParams({ page: options.page, page_size: options.pageSize });
      if (options.status) query.set('status', options.status);
      if (options.search) query.set('search', options.search);
      if (options.tag) query.set('tag', options.tag);
      const page = await client(command).request<{ items: Array<Record<string, unknown>>; total: number; page: number; page_size: number }>('GET', `/tasks?${query.toString()}`);
      await printAs(format, page, () => `${table(page.items, listColumns)}\n${page.total} task(s), page ${page.page}`);
    });

  task
    .command('get <task>')
    .description('show a task (by id or name)')
    .addOption(outputOption('json'))
    .addHelpText('after', '\nExample (edit a task as a file; read-only fields in it are ignored):\n  cronfleet task get backup -o yaml > backup.yaml\n  cronfleet task update backup -f backup.yaml')
    .action(async (idOrName: string, options: { output?: string }, command: Command) => {
      const api = client(command);
      const task = await api.request<Record<string, unknown>>('GET', `/tasks/${await resolveTaskId(api, idOrName)}`);
      await printAs(outputFormat(options, 'json'), task, () => fields(task));
    });

  task
    .command('stats <task>')
    .description("a task's success rate, durations and health over a window")
    .addOption(new Option('--window <window>', 'how far back').choices(['24h', '7d', '90d']).default('24h'))
    .addOption(outputOption('table'))
    .action(async (idOrName: string, options: { window: string; output?: string }, command: Command) => {
      const api = client(command);
      const stats = await api.request<Record<string, unknown> & { trend: Array<Record<string, unknown>> }>('GET', `/tasks/${await resolveTaskId(api, idOrName)}/stats?window=${options.window}`);
      await printAs(outputFormat(options, 'table'), stats, () => {
        const { trend, ...summary } = stats;
        const rate = (value: unknown) => (typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : null);
        const rows = trend.map((bucket) => ({ ...bucket, success_rate: rate(bucket.success_rate) }));
        return `${fields({ ...summary, success_rate: rate(summary.success_rate) })}\n\n${table(rows, ['bucket', 'total', 'success', 'failed', 'timeout', 'success_rate', 'avg_duration_ms'])}`;
      });
    });

  definitionOptions(task.command('create').description('create a task from --file and/or flags'))
    .option('--paused', 'create it paused')
    .addHelpText('after', "\nExample:\n  cronfleet task create --name backup --cron '0 2 * * *' --timezone Asia/Shanghai --command /usr/local/bin/backup.sh")
    .action(async (flags: TaskFlags, command: Command) => {
      printWithWarnings(await client(command).request('POST', '/tasks', await taskBody(flags)));
    });

  definitionOptions(task.command('update <task>').description('change fields of a task (only those given)')).action(async (idOrName: string, flags: TaskFlags, command: Command) => {
    const api = client(command);
    const body = await taskBody(flags);
    if (Object.keys(body).length === 0) throw new CliError('nothing to update: pass --file or at least one field flag', 2);
    printWithWarnings(await api.request('PUT', `/tasks/${await resolveTaskId(api, idOrName)}`, body));
  });

  task
    .command('trigger <task>')
    .description('run a task now')
    .option('--param <key=value>', 'parameter override (repeat)', collect)
    .option('--params <json>', 'parameter overrides as a JSON object')
    .option('--wait', 'wait for the run to end (retries included) and exit with its outcome: 0 success, 1 otherwise')
    .option('--wait-timeout <seconds>', 'with --wait: give up after this long (exit 1)')
    .addOption(outputOption('json'))
    .action(async (idOrName: string, options: { param?: string[]; params?: string; wait?: boolean; waitTimeout?: string; output?: string }, command: Command) => {
      const format = outputFormat(options, 'json');
      const waitSeconds = integer(options.waitTimeout, '--wait-timeout');
      let parameters: Record<string, unknown> = {};
      if (options.params) {
        try {
          parameters = JSON.parse(options.params) as Record<string, unknown>;
        } catch {
          throw new CliError('--params must be a JSON object', 2);
        }
      }
      Object.assign(parameters, pairs(options.param, '--param'));
      const api = client(command);
      const started = await api.request<ExecutionRow>('POST', `/tasks/${await resolveTaskId(api, idOrName)}/trigger`, { parameters });
      if (!options.wait) return printAs(format, started, () => fields(started));
      process.stderr.write(`${say('trigger.waiting', { id: started.id })}\n`);
      const ended = await waitForOutcome(api, started, waitSeconds === undefined ? null : Date.now() + waitSeconds * 1000);
      await printAs(format, ended, () => fields(ended));
      if (ended.status !== 'success') {
        process.stderr.write(`${say('trigger.outcome', { id: ended.id, status: ended.status, error: ended.error ?? ended.reason ?? '' })}\n`);
        process.exitCode = 1;
      }
    });

  for (const [verb, description] of [
    ['pause', 'stop scheduling a task'],
    ['resume', 'schedule a paused task again'],
  ] as const) {
    task
      .command(`${verb} <task>`)
      .description(description)
      .action(async (idOrName: string, _options, command: Command) => {
        const api = client(command);
        const result = await api.request<{ name: string; status: string }>('POST', `/tasks/${await resolveTaskId(api, idOrName)}/${verb}`);
        process.stdout.write(`${result.name}: ${result.status}\n`);
      });
  }

  task
    .command('stop <task>')
    .description('stop every pending and running execution of a task (it stays scheduled)')
    .option('--force', 'kill now: SIGKILL their process groups at once')
    .action(async (idOrName: string, options: { force?: boolean }, command: Command) => {
      const api = client(command);
      const force = options.force === true;
      const result = await api.request<{ stopped: string[] }>('POST', `/tasks/${await resolveTaskId(api, idOrName)}/stop`, { force });
      process.stdout.write(`${idOrName}: ${force ? 'kill' : 'stop'} requested for ${result.stopped.length} execution(s)\n${result.stopped.map((id) => `${id}\n`).join('')}`);
    });

  task
    .command('backfill <task>')
    .description('run the scheduled instants of a past range not yet fired (trigger backfill)')
    .requiredOption('--from <instant>', 'first instant, ISO 8601 (inclusive)')
    .requiredOption('--to <instant>', 'last instant, ISO 8601 (inclusive; later than now is left to the schedule)')
    .option('--max-runs <n>', 'at most this many instants, the oldest first (default 1000)')
    .option('--dry-run', 'only list the instants and which are new')
    .action(async (idOrName: string, options: { from: string; to: string; maxRuns?: string; dryRun?: boolean }, command: Command) => {
      const api = client(command);
      const body = { from: options.from, to: options.to, ...(options.maxRuns !== undefined ? { max_runs: integer(options.maxRuns, '--max-runs') } : {}) };
      const result = await api.request<{ instants: Array<{ scheduled_time: string; new: boolean }>; created: number; existing: number; truncated: boolean }>(
        'POST',
        `/tasks/${await resolveTaskId(api, idOrName)}/backfill${options.dryRun ? '/preview' : ''}`,
        body,
      );
      const lines = result.instants.map((instant) => `${instant.scheduled_time} ${instant.new ? 'new' : 'already fired'}\n`).join('');
      const verb = options.dryRun ? 'would create' : 'created';
      process.stdout.write(`${lines}${verb} ${result.created}, skipped ${result.existing} already in the ledger${result.truncated ? '; more instants remain past --max-runs' : ''}\n`);
    });

  task
    .command('delete <task>')
    .description('delete a task (its history stays)')
    .action(async (idOrName: string, _options, command: Command) => {
      const api = client(command);
      await api.request('DELETE', `/tasks/${await resolveTaskId(api, idOrName)}`);
      process.stdout.write(`deleted ${idOrName}\n`);
    });
  // Connection flags are listed in every subcommand's --help, not only the parent's.
  for (const sub of task.commands) addClientOptions(sub);
  return task;
}
