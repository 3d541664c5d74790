// The error a command throws to stop with a message and an exit code (1 failed, 2 usage);
// the program prints its message, without a stack, and exits with its code.
import { isCronfleetError } from '../protocol/errors.ts';
import { messageLocale } from './cli-messages.ts';

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/**
 * Ends the process for an error a command stops with: a CliError with its message and code,
 * a cronfleet error (bad input) in the user's language with 2. Returns for any other error.
 */
export function exitOnCommandError(error: unknown): void {
  if (error instanceof CliError) {
    process.stderr.write(`cronfleet: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  if (isCronfleetError(error)) {
    process.stderr.write(`cronfleet: ${error.text ? error.text.in(messageLocale()) : error.message}\n`);
    process.exit(2);
  }
}
