// The `cronfleet` command (started through main.ts, which turns on the compile cache first).
//
// Each command's module is loaded only when that command runs: a CLI call such as
// `cronfleet task ls` or the agent (`cronfleet executor`) must not pay for parsing the
// definitions of every other command and what they import. Help, `--version` and a name
// that is no command load them all, so the command list and commander's "did you mean"
// are complete.
import { Command, CommanderError } from 'commander';
import { VERSION } from '../protocol/version.ts';
import { exitOnCommandError } from './cli-error.ts';
import { exitQuietlyOnClosedStdout } from './format.ts';
import { isLongRunning } from './long-running.ts';

/** The top-level commands, in the order `cronfleet --help` lists them, by the module defining them. */
const commandModules: Array<{ names: string[]; load: () => Promise<Command[]> }> = [
  {
    names: ['up', 'server'],
    load: async () => {
      const { upCommand, serverCommand } = await import('./server-commands.ts');
      return [upCommand(), serverCommand()];
    },
  },
  {
    names: ['backup', 'restore'],
    load: async () => {
      const { backupCommand, restoreCommand } = await import('./backup-commands.ts');
      return [backupCommand(), restoreCommand()];
    },
  },
  { names: ['task'], load: async () => [(await import('./task-commands.ts')).taskCommand()] },
  { names: ['workflow'], load: async () => [(await import('./workflow-commands.ts')).workflowCommand()] },
  { names: ['execution'], load: async () => [(await import('./execution-commands.ts')).executionCommand()] },
  { names: ['executor'], load: async () => [(await import('./executor-commands.ts')).executorCommand()] },
  { names: ['executor-token'], load: async () => [(await import('./security-commands.ts')).executorTokenCommand()] },
  {
    names: ['user', 'token', 'audit'],
    load: async () => {
      const { userCommand, tokenCommand, auditCommand } = await import('./security-commands.ts');
      return [userCommand(), tokenCommand(), auditCommand()];
    },
  },
  {
    names: ['apply', 'export'],
    load: async () => {
      const { applyCommand, exportCommand } = await import('./code-commands.ts');
      return [applyCommand(), exportCommand()];
    },
  },
  { names: ['crontab'], load: async () => [(await import('./crontab-commands.ts')).crontabCommand()] },
  {
    names: ['cluster', 'schedule'],
    load: async () => {
      const { clusterCommand, scheduleCommand } = await import('./cluster-commands.ts');
      return [clusterCommand(), scheduleCommand()];
    },
  },
  // Completion is generated from the whole tree, so it loads every module.
  { names: ['completion'], load: async () => [(await import('./completion-command.ts')).completionCommand(wholeTree)] },
];

/** Every command, on a program of its own: what `cronfleet completion` describes. */
async function wholeTree(): Promise<Command> {
  const root = new Command('cronfleet');
  for (const module of commandModules) for (const command of await module.load()) root.addCommand(command);
  return root;
}

/** The modules a call needs: the one defining its command, or all of them. */
function modulesFor(argv: string[]): typeof commandModules {
  // The program itself has no options but --help and --version, so the first argument is the command.
  const name = argv[0];
  const named = commandModules.find((module) => name !== undefined && module.names.includes(name));
  return named ? [named] : commandModules;
}

const program = new Command('cronfleet').description('distributed scheduled tasks: fire exactly once, run anywhere, see everything').version(VERSION).showHelpAfterError('(run with --help for usage)').exitOverride();

// Exit status (README "Exit status"): 0 done, 1 failed (a refusal, an unreachable server, a
// run that did not succeed), 2 usage (a bad flag, argument or input file).
// A closed stdout ends a command quietly; a server or an agent keeps its own handling.
if (!isLongRunning(process.argv.slice(2))) exitQuietlyOnClosedStdout();
try {
  for (const module of modulesFor(process.argv.slice(2))) for (const command of await module.load()) program.addCommand(command);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  await program.parseAsync(process.argv);
} catch (error) {
  // Help and --version exit 0; every other commander error is a usage error.
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  exitOnCommandError(error);
  throw error;
}
