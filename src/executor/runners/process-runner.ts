// Shared by the command, script and docker runners: run a process group, map its end to an outcome.
import { stat } from 'node:fs/promises';
import { LocalizedText, text } from '../../protocol/messages/index.ts';
import { checkProgram, environmentFor, withMemoryLimit } from '../policy.ts';
import { spawnGroup } from '../process.ts';
import type { ProcessGroups } from '../strays.ts';
import type { RunContext, RunOutcome } from './runner.ts';

export interface ProcessSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string | null;
  /**
   * A task's own program (command and script tasks): it must pass the executor's
   * allowlist and runs as the run-as user under the memory limit. The docker CLI is
   * not one: it runs as the agent (it needs the engine's socket), and the container
   * gets its limits from docker itself.
   */
  taskProgram: boolean;
  /** Sees the output as it goes to the execution's log (the docker runner reads its CLI's errors). */
  observe?: (stream: 'stdout' | 'stderr', data: Buffer) => void;
  /** Where the run's process group is recorded while it goes (strays.ts); none: not recorded. */
  processGroups?: ProcessGroups | null | undefined;
  /** The docker container the process runs, recorded with its group. */
  container?: string;
}

export async function runProcess(context: RunContext, spec: ProcessSpec): Promise<RunOutcome> {
  const { policy } = context;
  const { cwd } = spec;
  if (cwd !== null && !(await isDirectory(cwd))) return failed(context, text('run.noWorkdir', { cwd }));
  let command = spec.command;
  let args = spec.args;
  let env = spec.env;
  const user = spec.taskProgram ? policy.runAs : null;
  if (spec.taskProgram) {
    const check = checkProgram(policy, command, env, cwd);
    if (!check.allowed) return failed(context, check.error);
    command = check.path;
    if (policy.memoryLimit?.mechanism === 'unavailable') {
      context.output.system(`[cronfleet: the ${policy.memoryLimit.megabytes} MB memory limit is not applied: /bin/sh on this executor cannot set ulimit -v]\n`);
    }
    ({ command, args } = withMemoryLimit(policy.memoryLimit, command, args));
    env = environmentFor(user, env);
  }
  const child = spawnGroup({
    command,
    args,
    env,
    cwd: cwd ?? undefined,
    uid: user?.uid,
    gid: user?.gid,
    stdin: JSON.stringify(context.task.parameters),
    onOutput: (stream, data) => {
      context.output.write(stream, data);
      spec.observe?.(stream, data);
    },
  });
  const forget = record(context, spec, child.pid);
  const onAbort = () => {
    if (context.signal.reason === 'kill') child.kill();
    else child.terminate(context.killGraceMs);
  };
  // A kill after a stop or timeout does not wait for the rest of the grace.
  const onKill = () => child.kill();
  if (context.killed.aborted) onKill();
  else if (context.signal.aborted) onAbort();
  context.signal.addEventListener('abort', onAbort, { once: true });
  context.killed.addEventListener('abort', onKill, { once: true });
  const { code, signal, spawnError } = await child.done;
  forget();
  context.signal.removeEventListener('abort', onAbort);
  context.killed.removeEventListener('abort', onKill);
  if (spawnError) return failed(context, text('run.couldNotStart', { command: spec.command, user: user?.name ?? '', error: spawnError.message }));
  const result = { exit_code: code, signal, output_bytes: context.output.totalBytes };
  if (code === 0) return { status: 'success', exitCode: 0, result, error: null };
  const error = signal ? text('run.signal', { signal }) : text('run.exitCode', { code: code ?? -1 });
  return { status: 'failed', exitCode: code, result, error: error.toString(), errorDetail: error };
}

/** Records the run's group; a failure (a full disk) is noted in the output, and the run goes on. */
function record(context: RunContext, spec: ProcessSpec, pid: number | undefined): () => void {
  const { processGroups } = spec;
  if (!processGroups || pid === undefined) return () => {};
  const note = (error: unknown) => context.output.system(`[cronfleet: could not record process group ${pid} (${error instanceof Error ? error.message : String(error)}); if this executor dies, it may outlive it]\n`);
  try {
    const forget = processGroups.record(context.task.id, pid, spec.container);
    return () => {
      try {
        forget();
      } catch (error) {
        note(error);
      }
    };
  } catch (error) {
    note(error);
    return () => {};
  }
}

/** A run that ends before anything starts: the reason goes to the output and the error. */
export function failed(context: RunContext, message: string | LocalizedText): RunOutcome {
  context.output.system(`${String(message)}\n`);
  return { status: 'failed', exitCode: null, result: null, error: String(message), ...(message instanceof LocalizedText ? { errorDetail: message } : {}) };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
