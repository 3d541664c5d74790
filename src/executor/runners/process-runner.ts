// Shared by the command, script and docker runners: run a process group, map its end to an outcome.
import { stat } from 'node:fs/promises';
import { spawnGroup } from '../process.ts';
import type { RunContext, RunOutcome } from './runner.ts';

export async function runProcess(
  context: RunContext,
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string | null,
  /** Sees the output as it goes to the execution's log (the docker runner reads its CLI's errors). */
  observe?: (stream: 'stdout' | 'stderr', data: Buffer) => void,
): Promise<RunOutcome> {
  if (cwd !== null && !(await isDirectory(cwd))) {
    const message = `working directory '${cwd}' does not exist or is not a directory`;
    context.output.system(`${message}\n`);
    return { status: 'failed', exitCode: null, result: null, error: message };
  }
  const child = spawnGroup({
    command,
    args,
    env,
    cwd: cwd ?? undefined,
    stdin: JSON.stringify(context.task.parameters),
    onOutput: (stream, data) => {
      context.output.write(stream, data);
      observe?.(stream, data);
    },
  });
  const onAbort = () => {
    if (context.signal.reason === 'kill') child.kill();
    else child.terminate(context.killGraceMs);
  };
  if (context.signal.aborted) onAbort();
  else context.signal.addEventListener('abort', onAbort, { once: true });
  const { code, signal, spawnError } = await child.done;
  context.signal.removeEventListener('abort', onAbort);
  if (spawnError) {
    const message = `could not start '${command}': ${spawnError.message}`;
    context.output.system(`${message}\n`);
    return { status: 'failed', exitCode: null, result: null, error: message };
  }
  const result = { exit_code: code, signal, output_bytes: context.output.totalBytes };
  if (code === 0) return { status: 'success', exitCode: 0, result, error: null };
  const error = signal ? `terminated by ${signal}` : `exited with code ${code}`;
  return { status: 'failed', exitCode: code, result, error };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
