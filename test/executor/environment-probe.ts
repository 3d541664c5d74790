// A tiny node program, run as a real task, that reports what the task's process received:
// its argv, its working directory, the CRONFLEET_* and PROBE_* environment, and stdin.
import { commandTask, type CommandSpec } from './agent-harness.ts';
import type { RunTask } from '../../src/protocol/executor-messages.ts';

export interface ProbeReport {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdin: string;
}

const probeSource = `
const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => key.startsWith('CRONFLEET_') || key.startsWith('PROBE_')));
  process.stdout.write(JSON.stringify({ argv: process.argv.slice(1), cwd: process.cwd(), env, stdin: Buffer.concat(chunks).toString('utf8') }));
});
`;

/** A command task (argv mode) running the probe with `args` after `--`. */
export function probeTask(args: string[], spec: Partial<CommandSpec> = {}, overrides: Partial<RunTask> = {}): RunTask {
  return commandTask({ command: process.execPath, args: ['-e', probeSource, '--', ...args], ...spec }, overrides);
}
