// Executor fleet tests: a real server and real agent processes on loopback.
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from '../e2e/process.ts';
import { eventually } from '../scheduler/helpers.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Heartbeats every 300 ms: an executor is lost after ~1 s of silence. */
export const FAST_HEARTBEAT = { CRONFLEET_HEARTBEAT_INTERVAL_SECONDS: '0.3' };

export async function startFleetServer(): Promise<TestServer> {
  return startTestServer({ executor: false, env: FAST_HEARTBEAT });
}

export async function executorToken(t: TestServer, name = 'fleet'): Promise<string> {
  const response = await t.request('POST', '/api/v1/executor-tokens', { name });
  if (response.status !== 201) throw new Error(`token: ${JSON.stringify(response.body)}`);
  return response.body.token;
}

export interface AgentProcess {
  name: string;
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface AgentOptions {
  labels?: string;
  capacity?: number;
  /** More `cronfleet executor` flags, e.g. ['--ca', path]. */
  args?: string[];
  env?: Record<string, string>;
  /** Default true: resolve once the executor is online. */
  waitOnline?: boolean;
}

export async function startAgent(t: TestServer, token: string, name: string, options: AgentOptions = {}): Promise<AgentProcess> {
  const args = ['executor', '--server', t.url, '--token', token, '--name', name, '--capacity', String(options.capacity ?? 4)];
  if (options.labels) args.push('--labels', options.labels);
  args.push(...(options.args ?? []));
  const child = spawn(CLI, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  let output = '';
  child.stdout!.on('data', (data) => (output += data));
  child.stderr!.on('data', (data) => (output += data));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const agent: AgentProcess = {
    name,
    child,
    output: () => output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
  if (options.waitOnline !== false) await eventually(async () => (await onlineExecutor(t, name)) !== undefined, `executor ${name} to connect\n${output}`);
  return agent;
}

export async function onlineExecutor(t: TestServer, name: string): Promise<Record<string, any> | undefined> {
  const list = (await t.request('GET', '/api/v1/executors')).body.items as Array<Record<string, any>>;
  return list.find((executor) => executor.name === name && executor.status === 'online' && t.server.gateway.isConnected(executor.id));
}

export async function executorIds(t: TestServer): Promise<Map<string, string>> {
  const list = (await t.request('GET', '/api/v1/executors')).body.items as Array<Record<string, any>>;
  return new Map(list.map((executor) => [executor.id, executor.name]));
}

/** Triggers a task `count` times and waits until every run has ended. */
export async function runMany(t: TestServer, taskId: string, count: number): Promise<Array<Record<string, any>>> {
  for (let i = 0; i < count; i++) {
    const response = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, {});
    if (response.status !== 202) throw new Error(`trigger: ${JSON.stringify(response.body)}`);
  }
  return eventually(async () => {
    const page = await t.request('GET', `/api/v1/executions?task_id=${taskId}&page_size=1000`);
    const items = page.body.items as Array<Record<string, any>>;
    return items.length >= count && items.every((execution) => execution.status !== 'pending' && execution.status !== 'running') ? items : undefined;
  }, `${count} runs to end`, 60_000);
}
