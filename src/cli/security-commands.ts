// `cronfleet user …`, `cronfleet token …` and `cronfleet audit`: people, API tokens and
// the audit log. Commands that mint a secret print only the secret on stdout.
import { Command, Option } from 'commander';
import { normalizeUsername } from '../domain/usernames.ts';
import { roles } from '../protocol/enums.ts';
import type { ApiClient } from './client.ts';
import { CliError } from './cli-error.ts';
import { outputFormat, outputOption, printAs, table } from './format.ts';
import { addClientOptions, client } from './task-commands.ts';

const roleOption = () => new Option('--role <role>', 'admin (everything), operator (tasks and executions) or viewer (read only)').choices([...roles].reverse());

interface UserRow {
  id: string;
  username: string;
}

async function userId(api: ApiClient, username: string): Promise<string> {
  const users = await api.request<{ items: UserRow[] }>('GET', '/users');
  // Names are stored normalised: "Alice " on the command line is the user "alice".
  const name = normalizeUsername(username);
  const match = users.items.find((user) => user.username === name || user.id === username);
  if (!match) throw new CliError(`no user named '${username}'`);
  return match.id;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new CliError('--password-stdin reads the password from standard input; pipe it in', 2);
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

export function userCommand(): Command {
  const command = addClientOptions(new Command('user').description('create and manage users of the web UI and API (admins only)'));
  command
    .command('create [username]')
    .description('create a user; prints only the password (generated unless --password-stdin), so P=$(cronfleet user create …) works')
    .option('--username <name>', 'the user name (or give it as the argument)')
    .addOption(roleOption().makeOptionMandatory())
    .option('--password-stdin', 'read the password from standard input instead of generating one')
    .action(async (name: string | undefined, options: { username?: string; role: string; passwordStdin?: boolean }, sub: Command) => {
      const username = name ?? options.username;
      if (!username) throw new CliError('name the user: cronfleet user create <username> --role <role>', 2);
      const body: Record<string, unknown> = { username, role: options.role };
      if (options.passwordStdin) body.password = await readStdin();
      const created = await client(sub).request<{ password?: string }>('POST', '/users', body);
      if (created.password) process.stdout.write(`${created.password}\n`);
      else process.stderr.write(`created user ${username}\n`);
    });
  command
    .command('ls')
    .description('list users')
    .option('--json', 'print JSON (the same as -o json)')
    .addOption(outputOption('table'))
    .action(async (options: { json?: boolean; output?: string }, sub: Command) => {
      const page = await client(sub).request<{ items: Array<Record<string, unknown>> }>('GET', '/users');
      await printAs(outputFormat(options, 'table'), page, () => table(page.items, ['id', 'username', 'role', 'disabled', 'last_login_at']));
    });
  command
    .command('set-role <username>')
    .description("change a user's role (ends their sessions)")
    .addOption(roleOption().makeOptionMandatory())
    .action(async (username: string, options: { role: string }, sub: Command) => {
      const api = client(sub);
      await api.request('PUT', `/users/${await userId(api, username)}`, { role: options.role });
      process.stdout.write(`${username} is now ${options.role}\n`);
    });
  command
    .command('rename <username> <new-name>')
    .description('change a user name (stored trimmed and lower-cased, as every name is)')
    .action(async (username: string, newName: string, _options, sub: Command) => {
      const api = client(sub);
      const user = await api.request<{ username: string }>('PUT', `/users/${await userId(api, username)}`, { username: newName });
      process.stdout.write(`${username} is now ${user.username}\n`);
    });
  command
    .command('set-password <username>')
    .description('set a new password (generated and printed unless --password-stdin); ends their sessions')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (username: string, options: { passwordStdin?: boolean }, sub: Command) => {
      const api = client(sub);
      const password = options.passwordStdin ? await readStdin() : generatePassword();
      await api.request('PUT', `/users/${await userId(api, username)}`, { password });
      if (!options.passwordStdin) process.stdout.write(`${password}\n`);
    });
  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    command
      .command(`${verb} <username>`)
      .description(disabled ? 'stop a user from signing in (ends their sessions)' : 'let a disabled user sign in again')
      .action(async (username: string, _options, sub: Command) => {
        const api = client(sub);
        await api.request('PUT', `/users/${await userId(api, username)}`, { disabled });
        process.stdout.write(`${username} ${disabled ? 'disabled' : 'enabled'}\n`);
      });
  }
  command
    .command('delete <username>')
    .description('delete a user: their sessions end and their API tokens are revoked')
    .action(async (username: string, _options, sub: Command) => {
      const api = client(sub);
      await api.request('DELETE', `/users/${await userId(api, username)}`);
      process.stdout.write(`deleted ${username}\n`);
    });
  for (const sub of command.commands) addClientOptions(sub);
  return command;
}

function generatePassword(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64url');
}

export function tokenCommand(): Command {
  const command = addClientOptions(new Command('token').description('create, list and revoke API tokens'));
  addTokenSubcommands(command, { path: '/tokens', role: true, columns: ['id', 'name', 'role', 'created_by', 'expires_at', 'revoked_at', 'last_used_at'], revoked: 'it stops working at once' });
  return command;
}

/** create / ls / revoke for a kind of token (API tokens, executor tokens): the secret alone on stdout. */
export function addTokenSubcommands(command: Command, kind: { path: string; role: boolean; columns: string[]; revoked: string }): void {
  const create = command
    .command('create')
    .description(`create a token; prints only the secret, so T=$(cronfleet ${command.name()} create …) works`)
    .requiredOption('--name <name>', 'what the token is for, e.g. ci-deploy or the host it enrolls')
    .option('--expires-in <seconds>', 'expiry in seconds from now (default: never)');
  if (kind.role) create.addOption(roleOption().default('viewer'));
  create.action(async (options: { name: string; role?: string; expiresIn?: string }, sub: Command) => {
    const body: Record<string, unknown> = { name: options.name, ...(kind.role ? { role: options.role } : {}) };
    if (options.expiresIn !== undefined) {
      const seconds = Number(options.expiresIn);
      if (!Number.isInteger(seconds) || seconds < 60) throw new CliError(`--expires-in must be a whole number of seconds, at least 60; got '${options.expiresIn}'`, 2);
      body.expires_in_seconds = seconds;
    }
    const created = await client(sub).request<{ token: string }>('POST', kind.path, body);
    process.stdout.write(`${created.token}\n`);
  });
  command
    .command('ls')
    .description('list tokens (never their secrets)')
    .option('--json', 'print JSON (the same as -o json)')
    .addOption(outputOption('table'))
    .action(async (options: { json?: boolean; output?: string }, sub: Command) => {
      const page = await client(sub).request<{ items: Array<Record<string, unknown>> }>('GET', kind.path);
      await printAs(outputFormat(options, 'table'), page, () => table(page.items, kind.columns));
    });
  command
    .command('revoke <id>')
    .description(`revoke a token: ${kind.revoked}`)
    .action(async (id: string, _options, sub: Command) => {
      await client(sub).request('DELETE', `${kind.path}/${id}`);
      process.stdout.write(`revoked ${id}\n`);
    });
  for (const sub of command.commands) addClientOptions(sub);
}

export function auditCommand(): Command {
  return addClientOptions(new Command('audit').description('show the audit log, newest first (admins only)'))
    .option('--actor <actor>', 'e.g. user:alice, token:ci, admin-token')
    .option('--action <action>', 'e.g. task.update, user.create, auth.login_failed')
    .option('--resource-type <type>', 'task, execution, executor, executor_token, user, api_token, session')
    .option('--resource-id <id>', 'one resource')
    .option('--page <n>', 'page number', '1')
    .option('--page-size <n>', 'entries per page', '50')
    .option('--json', 'print JSON, with the before and after states (the same as -o json)')
    .addOption(outputOption('table'))
    .action(async (options: Record<string, string | boolean | undefined>, command: Command) => {
      const query = new URLSearchParams();
      for (const [flag, key] of [
        ['actor', 'actor'],
        ['action', 'action'],
        ['resourceType', 'resource_type'],
        ['resourceId', 'resource_id'],
        ['page', 'page'],
        ['pageSize', 'page_size'],
      ] as const) {
        const value = options[flag];
        if (typeof value === 'string') query.set(key, value);
      }
      const page = await client(command).request<{ items: Array<Record<string, unknown>>; total: number }>('GET', `/audit?${query.toString()}`);
      const format = outputFormat({ ...(typeof options.output === 'string' ? { output: options.output } : {}), json: options.json === true }, 'table');
      await printAs(format, page, () => table(page.items, ['at', 'actor', 'action', 'resource_type', 'resource_id', 'ip']));
    });
}

export function executorTokenCommand(): Command {
  const command = addClientOptions(new Command('executor-token').description('create, list and revoke executor enrollment tokens'));
  addTokenSubcommands(command, { path: '/executor-tokens', role: false, columns: ['id', 'name', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'], revoked: 'executors using it can no longer connect' });
  return command;
}
