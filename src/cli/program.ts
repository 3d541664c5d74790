// The `cronfleet` command (started through main.ts, which turns on the compile cache first).
import { Command, CommanderError } from 'commander';
import { VERSION } from '../protocol/version.ts';
import { isCronfleetError } from '../protocol/errors.ts';
import { backupCommand, restoreCommand } from './backup-commands.ts';
import { CliError } from './client.ts';
import { executionCommand } from './execution-commands.ts';
import { executorCommand, executorTokenCommand } from './executor-commands.ts';
import { auditCommand, tokenCommand, userCommand } from './security-commands.ts';
import { serverCommand, upCommand } from './server-commands.ts';
import { taskCommand } from './task-commands.ts';

const program = new Command('cronfleet').description('distributed scheduled tasks: fire exactly once, run anywhere, see everything').version(VERSION).showHelpAfterError('(run with --help for usage)').exitOverride();

program.addCommand(upCommand());
program.addCommand(serverCommand());
program.addCommand(backupCommand());
program.addCommand(restoreCommand());
program.addCommand(taskCommand());
program.addCommand(executionCommand());
program.addCommand(executorCommand());
program.addCommand(executorTokenCommand());
program.addCommand(userCommand());
program.addCommand(tokenCommand());
program.addCommand(auditCommand());
for (const command of program.commands) {
  command.exitOverride();
  for (const sub of command.commands) sub.exitOverride();
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (error instanceof CliError) {
    process.stderr.write(`cronfleet: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  if (isCronfleetError(error)) {
    process.stderr.write(`cronfleet: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
