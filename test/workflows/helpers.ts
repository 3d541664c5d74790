// Shared steps for workflow tests: creating tasks and workflows, and waiting for a run.
import type { TestServer } from '../helpers/server.ts';
import { createTask, eventually } from '../scheduler/helpers.ts';

export async function createWorkflow(t: TestServer, body: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await t.request('POST', '/api/v1/workflows', body);
  if (response.status !== 201) throw new Error(`workflow create failed: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** A task per name running `command` (shell), keyed by name. */
export async function commandTasks(t: TestServer, commands: Record<string, string>): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, command] of Object.entries(commands)) ids[name] = (await createTask(t, { name, command, shell: true })).id;
  return ids;
}

export async function getRun(t: TestServer, id: string): Promise<Record<string, any>> {
  const response = await t.request('GET', `/api/v1/workflow-runs/${id}`);
  if (response.status !== 200) throw new Error(`run read failed: ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Waits until the run matches `done` (default: it ended), and returns it. */
export function waitForRun(t: TestServer, id: string, done: (run: Record<string, any>) => boolean = (run) => run.status !== 'running', what = 'the run to end'): Promise<Record<string, any>> {
  return eventually(async () => {
    const run = await getRun(t, id);
    return done(run) ? run : undefined;
  }, what);
}

export function stepOf(run: Record<string, any>, name: string): Record<string, any> {
  const step = (run.steps as Array<Record<string, any>>).find((candidate) => candidate.name === name);
  if (!step) throw new Error(`no step ${name}`);
  return step;
}

export async function executionOf(t: TestServer, id: string): Promise<Record<string, any>> {
  return (await t.request('GET', `/api/v1/executions/${id}`)).body;
}
