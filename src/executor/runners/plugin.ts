// Runner plugins: `cronfleet executor --runner ./my-runner.ts` imports the module and
// uses its default export as a Runner (the interface is described in runner.ts).
// A .ts module runs through Node's type stripping like cronfleet itself.
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CronfleetError } from '../../protocol/errors.ts';
import type { Runner } from './runner.ts';

const EXAMPLE = "export default { type: 'docker', async run(context) { … return { status: 'success', exitCode: 0, result: null, error: null }; } }";

/** Imports a runner module given by path (relative to `cwd`) and checks its default export. */
export async function loadRunnerModule(path: string, cwd: string = process.cwd()): Promise<Runner> {
  const url = pathToFileURL(isAbsolute(path) ? path : resolve(cwd, path)).href;
  let loaded: { default?: unknown };
  try {
    loaded = (await import(url)) as { default?: unknown };
  } catch (error) {
    throw new CronfleetError('invalid_config', `runner module ${path} could not be loaded: ${error instanceof Error ? error.message : String(error)}`, { runner: path }, { cause: error });
  }
  const problem = runnerProblem(loaded.default);
  if (problem) throw new CronfleetError('invalid_config', `runner module ${path}: ${problem}; expected e.g. ${EXAMPLE}`, { runner: path });
  return loaded.default as Runner;
}

/** What is wrong with a would-be Runner, or null. */
function runnerProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return `its default export must be a Runner object, got ${value === null ? 'null' : typeof value}`;
  const candidate = value as Record<string, unknown>;
  if (typeof candidate.type !== 'string' || candidate.type.trim() === '') return "its default export has no 'type' (the task type it runs, e.g. 'docker')";
  if (typeof candidate.run !== 'function') return `its default export (type '${candidate.type}') has no run(context) function`;
  if (candidate.advertise !== undefined && typeof candidate.advertise !== 'function') return `its default export (type '${candidate.type}') has an 'advertise' that is not a function`;
  return null;
}
