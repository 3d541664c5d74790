// `docker` tasks: `docker run` through the docker CLI, so whatever engine and context
// the CLI is configured for (DOCKER_HOST, docker contexts, rootless) is used as is.
// The CLI runs as a process group like any command; the container is not in that
// group, so on stop or timeout the container is also stopped by name.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunTask } from '../../protocol/executor-messages.ts';
import { taskEnvironment } from './environment.ts';
import { failed, runProcess } from './process-runner.ts';
import type { ProcessGroups } from '../strays.ts';
import type { RunContext, RunOutcome, Runner } from './runner.ts';

export interface DockerSettings {
  image: string;
  command: string[];
  env: Record<string, string>;
}

/** The name of an execution's container: stop and kill find it by this name. */
function containerName(executionId: string): string {
  return `cronfleet-${executionId}`;
}

/**
 * The `docker` argv for one execution. The container sees the task's env and the same
 * CRONFLEET_* variables a command task gets (environment.ts), but not the executor's
 * own environment (the image brings its own PATH, HOME, …). The variables go in an
 * env file (dockerEnvFile), never on the command line, where `ps` would show them to
 * every user of the machine. `-i` keeps stdin open for the parameters as JSON; `--`
 * ends the options, so an image named like a flag is refused by docker as an image
 * name instead of being read as an option.
 */
export function dockerRunArgs(task: RunTask, settings: DockerSettings, options: { envFile: string; memoryMb?: number | null }): string[] {
  const args = ['run', '--rm', '-i', '--name', containerName(task.id), '--env-file', options.envFile];
  // The engine's cgroup limit; swap the same, so the container cannot swap its way past it.
  if (options.memoryMb) args.push('--memory', `${options.memoryMb}m`, '--memory-swap', `${options.memoryMb}m`);
  return [...args, '--', settings.image, ...(settings.command ?? [])];
}

/**
 * The env file's text: one KEY=value per line, as docker reads it. Docker's format
 * cannot carry a newline in a value (the rest would become a line of its own), so
 * such a value is refused rather than silently cut.
 */
export function dockerEnvFile(task: RunTask, settings: DockerSettings): { text: string } | { error: string } {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(taskEnvironment({}, task, settings.env ?? {}))) {
    if (/[\r\n]/.test(value)) return { error: `env variable ${key} holds a line break, which docker's --env-file cannot pass; encode it (e.g. base64)` };
    if (key === '' || key.includes('=') || key.startsWith('#') || /[\s\r\n]/.test(key)) return { error: `env variable name '${key}' cannot be passed to docker` };
    lines.push(`${key}=${value}`);
  }
  return { text: `${lines.join('\n')}\n` };
}

/**
 * `docker run` exits 125 when docker itself fails (no engine, bad image, pull denied),
 * and 126/127 when the container's command cannot be run or is not found — but the
 * command's own exit code can be 126/127 too, so those count as docker's only when
 * the CLI printed its own "docker: …" error.
 */
const DOCKER_FAILED = 125;
const COMMAND_NOT_RUNNABLE = [126, 127];

/** Enough of the CLI's stderr to quote its error message. */
const STDERR_KEPT = 4096;

/** A docker runner that records each run's CLI process group and container (strays.ts). */
export function createDockerRunner(processGroups: ProcessGroups | null = null): Runner {
  return {
    type: 'docker',
    async run(context: RunContext): Promise<RunOutcome> {
      const settings = context.task.spec as unknown as DockerSettings;
      const envFile = dockerEnvFile(context.task, settings);
      if ('error' in envFile) return failed(context, envFile.error);
      const name = containerName(context.task.id);
      let stderr = '';
      const stopping: Array<Promise<void>> = [];
      const onAbort = () => stopping.push(stopContainer(name, context, context.signal.reason === 'kill'));
      // A kill after a stop or timeout: `docker kill` ends the container while `docker stop` still waits.
      const onKill = () => {
        if (context.signal.reason !== 'kill') stopping.push(stopContainer(name, context, true));
      };
      // mkdtemp makes a 0700 directory and the file is 0600: only the agent's user reads the values.
      const directory = await mkdtemp(join(tmpdir(), 'cronfleet-docker-'));
      let outcome: RunOutcome;
      try {
        const path = join(directory, 'env');
        await writeFile(path, envFile.text, { mode: 0o600 });
        if (context.signal.aborted) onAbort();
        else context.signal.addEventListener('abort', onAbort, { once: true });
        if (context.killed.aborted) onKill();
        else context.killed.addEventListener('abort', onKill, { once: true });
        const args = dockerRunArgs(context.task, settings, { envFile: path, memoryMb: context.policy.memoryLimit?.megabytes ?? null });
        outcome = await runProcess(context, {
          command: 'docker',
          args,
          env: context.env,
          cwd: null,
          taskProgram: false,
          processGroups,
          container: name,
          observe: (stream, data) => {
            if (stream === 'stderr') stderr = (stderr + data.toString('utf8')).slice(-STDERR_KEPT);
          },
        });
      } finally {
        context.signal.removeEventListener('abort', onAbort);
        context.killed.removeEventListener('abort', onKill);
        await Promise.all(stopping); // no docker CLI is left running after run() returns
        await rm(directory, { recursive: true, force: true });
      }
      return explained(context, outcome, settings, stderr);
    },
  };
}

/** Records nothing: for embedders that track processes themselves. */
export const dockerRunner: Runner = createDockerRunner();

/**
 * Stops the container: `docker stop` gives it the same SIGTERM-then-SIGKILL grace a
 * process gets (rounded up to whole seconds, docker's unit); a kill request kills at
 * once. Fails quietly when the container does not exist (not created yet, or gone).
 */
function stopContainer(name: string, context: RunContext, kill: boolean): Promise<void> {
  const graceSeconds = Math.ceil(context.killGraceMs / 1000);
  const args = kill ? ['kill', name] : ['stop', '--time', String(graceSeconds), name];
  return new Promise((resolve) => {
    execFile('docker', args, { env: context.env, timeout: (graceSeconds + 10) * 1000 }, () => resolve());
  });
}

/** Turns docker's own failures into errors that say what went wrong. */
function explained(context: RunContext, outcome: RunOutcome, settings: DockerSettings, stderr: string): RunOutcome {
  if (outcome.status === 'success' || context.signal.aborted) return outcome;
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith("Run 'docker run --help'"));
  const own = lines
    .filter((line) => line.startsWith('docker: '))
    .at(-1)
    ?.slice('docker: '.length);
  let error: string | null = null;
  if (outcome.exitCode === null && outcome.error?.startsWith("could not start 'docker'")) {
    error = `the docker CLI could not be started (is docker installed and on PATH?): ${outcome.error}`;
  } else if (outcome.exitCode === DOCKER_FAILED || (COMMAND_NOT_RUNNABLE.includes(outcome.exitCode ?? 0) && own !== undefined)) {
    error = `docker could not run image '${settings.image}' (exit code ${outcome.exitCode}): ${own ?? lines.at(-1) ?? 'no message'}`;
  }
  if (error === null) return outcome;
  context.output.system(`${error}\n`);
  return { ...outcome, error };
}
