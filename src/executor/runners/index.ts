import { createCommandRunner } from './command.ts';
import { createDockerRunner, dockerAvailable } from './docker.ts';
import { httpRunner } from './http.ts';
import type { Runner } from './runner.ts';
import { createScriptRunner } from './script.ts';
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
  return [createCommandRunner(options.processGroups ?? null), createScriptRunner(options.processGroups ?? null), httpRunner];
}

/**
 * The default runners plus those whose backing service answers now: docker only when
 * an engine does, so the server does not send docker tasks to an executor that would
 * fail them all. Checked once at start; an engine started later needs a restart.
 */
export async function availableRunners(options: RunnerOptions = {}): Promise<Runner[]> {
  return (await dockerAvailable()) ? [...defaultRunners(options), createDockerRunner(options.processGroups ?? null)] : defaultRunners(options);
}
