import { commandRunner } from './command.ts';
import { httpRunner } from './http.ts';
import type { Runner } from './runner.ts';
import { scriptRunner } from './script.ts';

export type { Runner, RunContext, RunOutcome } from './runner.ts';

export function defaultRunners(): Runner[] {
  return [commandRunner, scriptRunner, httpRunner];
}
