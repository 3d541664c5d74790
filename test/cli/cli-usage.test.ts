// The CLI's usage and input errors: help for every command, and a clear message naming
// the bad flag or value (or the unreachable server), a non-zero exit, never a stack trace.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hasStackTrace, runCli, type CliResult } from './run-cli.ts';

const commands = [
  [],
  ['up'],
  ['server'],
  ['task'],
  ['task', 'ls'],
  ['task', 'get'],
  ['task', 'create'],
  ['task', 'update'],
  ['task', 'trigger'],
  ['task', 'pause'],
  ['task', 'resume'],
  ['task', 'delete'],
  ['execution'],
  ['execution', 'ls'],
  ['execution', 'get'],
  ['execution', 'stop'],
  ['execution', 'logs'],
];

/** The subcommand names a help text lists under "Commands:" (without `help`). */
function listedCommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.matchAll(/^ {2}(\S+)/gm)].map((match) => match[1]!).filter((name) => name !== 'help');
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

let cwd: string;
before(() => {
  cwd = mkdtempSync(join(tmpdir(), 'cronfleet-cli-'));
});
after(() => rmSync(cwd, { recursive: true, force: true }));

describe('cronfleet --help', () => {
  const helps = new Map<string, CliResult>();
  before(async () => {
    const results = await Promise.all(commands.map((command) => runCli([...command, '--help'], { cwd })));
    commands.forEach((command, index) => helps.set(command.join(' '), results[index]!));
  });

  const assertUsage = (command: string[], result: CliResult) => {
    const name = ['cronfleet', ...command].join(' ');
    assert.equal(result.code, 0, `${name} --help: ${result.stderr}`);
    assert.ok(result.stdout.startsWith(`Usage: ${name} `), `${name} --help: ${result.stdout}`);
    assert.match(result.stdout, /^Options:$/m, name);
    assert.match(result.stdout, /-h, --help/, name);
    assert.equal(result.stderr, '', name);
  };

  for (const command of commands) {
    it(`cronfleet ${[...command, '--help'].join(' ')} exits 0 and prints its usage`, () => {
      assertUsage(command, helps.get(command.join(' '))!);
    });
  }

  it('answers --help the same way for every other command the help texts list', async () => {
    // Commands added after this file was written are covered too, down to their subcommands.
    const queue = [...helps.keys()];
    while (queue.length > 0) {
      const path = queue.shift()!;
      const unchecked = listedCommands(helps.get(path)!.stdout)
        .map((name) => (path ? `${path} ${name}` : name))
        .filter((full) => !helps.has(full));
      const results = await Promise.all(unchecked.map((full) => runCli([...full.split(' '), '--help'], { cwd })));
      unchecked.forEach((full, index) => {
        assertUsage(full.split(' '), results[index]!);
        helps.set(full, results[index]!);
        queue.push(full);
      });
    }
  });

  it('shows the client flags in task --help', () => {
    for (const flag of ['--server <url>', '--token <token>', '--data-dir <dir>']) assert.ok(helps.get('task')!.stdout.includes(flag), flag);
  });

  it('shows the create flags and an example in task create --help', () => {
    const help = helps.get('task create')!.stdout;
    for (const flag of ['--name', '--cron', '--timezone', '--command', '--param', '-f, --file']) {
      assert.ok(help.includes(flag), `task create --help mentions ${flag}`);
    }
    assert.match(help, /^Example:$/m);
  });
});

describe('cronfleet input errors', { concurrency: 4 }, () => {
  let server: string;
  before(async () => {
    // Validation must happen before any request: an unreachable server proves none was sent.
    server = `http://127.0.0.1:${await closedPort()}`;
  });

  const errors: Array<{ behaviour: string; args: () => string[]; mentions: string[] }> = [
    { behaviour: 'an unknown flag', args: () => ['task', 'ls', '--colour', 'blue', '--server', server], mentions: ["'--colour'"] },
    { behaviour: 'an unknown command', args: () => ['task', 'frobnicate'], mentions: ['frobnicate'] },
    { behaviour: 'a value outside the choices', args: () => ['task', 'create', '--name', 'x', '--execution-mode', 'sometimes', '--server', server], mentions: ['--execution-mode', 'sometimes'] },
    { behaviour: 'a status outside the choices', args: () => ['execution', 'ls', '--status', 'finished', '--server', server], mentions: ['--status', 'finished'] },
    { behaviour: 'a non-integer --max-retry', args: () => ['task', 'create', '--name', 'x', '--max-retry', 'lots', '--server', server, '--token', 't'], mentions: ['--max-retry', 'lots'] },
    { behaviour: 'a --param without =', args: () => ['task', 'trigger', 'x', '--param', 'force', '--server', server, '--token', 't'], mentions: ['--param', 'force'] },
    { behaviour: 'a --params that is not JSON', args: () => ['task', 'trigger', 'x', '--params', '{force', '--server', server, '--token', 't'], mentions: ['--params'] },
    { behaviour: 'a missing argument', args: () => ['task', 'get', '--server', server], mentions: ["'task'"] },
    { behaviour: 'an unreadable --file', args: () => ['task', 'create', '-f', 'no-such-task.yaml', '--server', server, '--token', 't'], mentions: ['no-such-task.yaml'] },
    { behaviour: 'an update with nothing to change', args: () => ['task', 'update', 'x', '--server', server, '--token', 't'], mentions: ['nothing to update'] },
  ];

  for (const { behaviour, args, mentions } of errors) {
    it(`exits non-zero on ${behaviour} with a message naming it`, async () => {
      const result = await runCli(args(), { cwd });
      assert.notEqual(result.code, 0);
      for (const text of mentions) assert.ok(result.stderr.includes(text), `stderr mentions ${text}: ${result.stderr}`);
      assert.ok(!result.stderr.includes('cannot reach'), 'refused before contacting the server');
      assert.ok(!hasStackTrace(result.stderr), result.stderr);
      assert.equal(result.stdout, '');
    });
  }

  for (const args of [
    ['task', 'ls'],
    ['task', 'create', '--name', 'x', '--command', '/bin/true'],
    ['execution', 'logs', '-f', 'some-id'],
  ]) {
    it(`says the server cannot be reached for cronfleet ${args.join(' ')}, without a stack trace`, async () => {
      const result = await runCli([...args, '--server', server, '--token', 't'], { cwd });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`^cronfleet: cannot reach the cronfleet server at ${server}`));
      assert.ok(!hasStackTrace(result.stderr), result.stderr);
    });
  }
});
