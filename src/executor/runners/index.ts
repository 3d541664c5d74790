import { commandRunner } from './command.ts';
import { dockerAvailable, dockerRunner } from './docker.ts';
import { httpRunner } from './http.ts';
import type { Runner } from './runner.ts';
import { scriptRunner } from './script.ts';

export type { Runner, RunContext, RunOutcome } from './runner.ts';

/** The runners that need nothing beyond Node and a shell. */
export function defaultRunners(): Runner[] {
  return [commandRunner, scriptRunner, httpRunner];
}

/**
 * The default runners plus those whose backing service answers now: docker only when
 * an engine does, so the server does not send docker tasks to an executor that would
 * fail them all. Checked once at start; an engine started later needs a restart.
 */
export async function availableRunners(): Promise<Runner[]> {
  return (await dockerAvailable()) ? [...defaultRunners(), dockerRunner] : defaultRunners();
}
