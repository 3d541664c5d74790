// The built-in runners. Each one's module is loaded when it first runs a task, so an agent
// that only ever runs commands never loads the HTTP, script or docker code (an idle
// agent's memory, issue 17).
import { dockerAvailable } from './docker-engine.ts';
import type { RunContext, RunOutcome, Runner } from './runner.ts';
import type { ProcessGroups } from '../strays.ts';

export type { Runner } from './runner.ts';

export interface RunnerOptions {
  /**
   * Where the command and script runners record each run's process group, so the next
   * start of this executor kills what a crash left running (strays.ts). Without it,
   * nothing is recorded.
   */
  processGroups?: ProcessGroups | null;
}

/** The runners that need nothing beyond Node and a shell. */
export function defaultRunners(options: RunnerOptions = {}): Runner[] {
  const groups = options.processGroups ?? null;
  return [
    onFirstRun('command', async () => (await import('./command.ts')).createCommandRunner(groups)),
    onFirstRun('script', async () => (await import('./script.ts')).createScriptRunner(groups)),
    onFirstRun('http', async () => (await import('./http.ts')).httpRunner),
  ];
}

/**
 * The default runners plus those whose backing service answers now: docker only when
 * an engine does, so the server does not send docker tasks to an executor that would
 * fail them all. Checked once at start; an engine started later needs a restart.
 */
export async function availableRunners(options: RunnerOptions = {}): Promise<Runner[]> {
  if (!(await dockerAvailable())) return defaultRunners(options);
  const docker = onFirstRun('docker', async () => (await import('./docker.ts')).createDockerRunner(options.processGroups ?? null));
  return [...defaultRunners(options), docker];
}

/** A runner of `type` whose module is loaded by its first run; a load that fails fails that run, and the next tries again. */
function onFirstRun(type: string, load: () => Promise<Runner>): Runner {
  let loaded: Promise<Runner> | null = null;
  return {
    type,
    async run(context: RunContext): Promise<RunOutcome> {
      loaded ??= load().catch((error: unknown) => {
        loaded = null;
        throw error;
      });
      return (await loaded).run(context);
    },
  };
}
