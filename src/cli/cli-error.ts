// The error a command throws to stop with a message and an exit code (1 failed, 2 usage);
// the program prints its message, without a stack, and exits with its code.
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}
