// An agent's start read without commander (agent-args.ts) gives exactly the flags the full
// CLI's `executor` command gives, and hands every other call to the full CLI.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentStartFlags } from '../../src/cli/agent-args.ts';
import { executorCommand } from '../../src/cli/executor-commands.ts';

/** The flags commander parses for `cronfleet executor <args>`, without starting anything. */
async function commanderFlags(args: string[]): Promise<Record<string, unknown>> {
  const command = executorCommand().exitOverride();
  let flags: Record<string, unknown> = {};
  command.action((options: Record<string, unknown>) => {
    flags = options;
  });
  await command.parseAsync(args, { from: 'user' });
  return flags;
}

const starts: string[][] = [
  [],
  ['--server', 'http://a:8080,http://b:8080', '--token', 'cfe_x', '--name', 'web-1', '--capacity', '8'],
  ['-c', 'agent.yaml', '--labels', 'zone=a,gpu=true', '--instance-id', 'host:web-1', '--ca', 'ca.pem'],
  ['--runner', './a.ts', '--runner', './b.ts', '--allow-command', '/opt/**', '--allow-command', '/bin/sh'],
  ['--run-as', 'jobs', '--max-timeout', '3600', '--max-memory', '512', '--max-output', '1000', '--data-dir', '/var/lib/cf'],
  ['--allow-link-local', '--log-format', 'json', '--capacity=2', '--name=a b'],
  ['--name', 'first', '--name', 'last'],
];

test('an agent start gives the flags the full CLI gives', async () => {
  for (const args of starts) {
    assert.deepEqual({ ...agentStartFlags(['executor', ...args]) }, await commanderFlags(args), args.join(' '));
  }
});

test('every option of the executor command is read', () => {
  const flags = agentStartFlags(['executor', ...starts.slice(1, 6).flat()]);
  const expected = executorCommand().options.map((option) => option.attributeName());
  assert.deepEqual(Object.keys(flags ?? {}).sort(), [...expected].sort());
});

test('subcommands, help, unknown and malformed options go to the full CLI', () => {
  for (const args of [['ls'], ['rm', 'web-1'], ['--help'], ['-h'], ['--bogus'], ['--name'], ['--allow-link-local=yes'], ['extra'], ['--server', 'http://a', 'drain']]) {
    assert.equal(agentStartFlags(['executor', ...args]), null, args.join(' '));
  }
  assert.equal(agentStartFlags(['task', 'ls']), null);
});
