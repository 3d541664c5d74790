// Executor fleet tests: a real server and real agent processes on loopback.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { WebSocket } from 'ws';
import { ExecutorClient, socketUrl, type ExecutorClientOptions } from '../../src/executor/client.ts';
import { defaultRunners } from '../../src/executor/runners/index.ts';
import { CLI } from '../e2e/process.ts';
import { eventually } from '../scheduler/helpers.ts';
import { killedAtEnd } from '../helpers/children.ts';
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
  /** The `--server` list (default: the test server's URL), e.g. through a TCP proxy. */
  servers?: string[];
}

export async function startAgent(t: TestServer, token: string, name: string, options: AgentOptions = {}): Promise<AgentProcess> {
  const args = ['executor', '--server', (options.servers ?? [t.url]).join(','), '--token', token, '--name', name, '--capacity', String(options.capacity ?? 4)];
  if (options.labels) args.push('--labels', options.labels);
  args.push(...(options.args ?? []));
  const child = killedAtEnd(spawn(CLI, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } }));
  let output = '';
  child.stdout.on('data', (data) => (output += data));
  child.stderr.on('data', (data) => (output += data));
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
  return eventually(
    async () => {
      const page = await t.request('GET', `/api/v1/executions?task_id=${taskId}&page_size=1000`);
      const items = page.body.items as Array<Record<string, any>>;
      return items.length >= count && items.every((execution) => execution.status !== 'pending' && execution.status !== 'running') ? items : undefined;
    },
    `${count} runs to end`,
    60_000,
  );
}

/** A real agent (the code of `cronfleet executor`) in this process, dialing `servers`; call stop(). */
export function agentClient(servers: string[], token: string, name: string, options: Partial<ExecutorClientOptions> = {}): ExecutorClient {
  const client = new ExecutorClient({
    servers,
    token,
    name,
    instanceId: name,
    labels: {},
    capacity: 4,
    runners: defaultRunners(),
    version: 'test',
    backoffInitialMs: 50,
    backoffMaxMs: 200,
    ...options,
  });
  client.start();
  return client;
}

export interface RawExecutor {
  socket: WebSocket;
  /** Every frame received so far. */
  frames: Array<Record<string, any>>;
  /** Resolves with the close code. */
  closed: Promise<number>;
  send(message: unknown): void;
  /** Sends a frame exactly as given (text or bytes) and waits for the next frame back. */
  exchange(data: string | Buffer): Promise<Record<string, any>>;
  /** The first frame (received already or to come) that `matches`. */
  next(matches: (frame: Record<string, any>) => boolean): Promise<Record<string, any>>;
}

/**
 * A bare WebSocket executor that does only what the test tells it; `autoPong: false`
 * leaves pings unanswered; a null token connects without credentials.
 */
export async function rawExecutor(url: string, token: string | null, options: { autoPong?: boolean } = {}): Promise<RawExecutor> {
  const socket = new WebSocket(socketUrl(url), { ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}), autoPong: options.autoPong ?? true });
  const frames: Array<Record<string, any>> = [];
  const waiters: Array<{ matches: (frame: Record<string, any>) => boolean; resolve: (frame: Record<string, any>) => void }> = [];
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as Record<string, any>;
    frames.push(frame);
    for (const waiter of waiters.filter((candidate) => candidate.matches(frame))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(frame);
    }
  });
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  // A frame awaited on a link that closes never comes: say so at once, with the close code.
  const waitFor = (matches: (frame: Record<string, any>) => boolean) =>
    Promise.race([
      new Promise<Record<string, any>>((resolve) => waiters.push({ matches, resolve })),
      closed.then((code) => Promise.reject(new Error(`the server closed the link (${code}) before the awaited frame came; frames so far: ${JSON.stringify(frames).slice(0, 2000)}`))),
    ]);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    closed,
    send: (message) => socket.send(JSON.stringify(message)),
    exchange(data) {
      const count = frames.length;
      socket.send(data);
      return waitFor(() => frames.length > count).then(() => frames[count]!);
    },
    next(matches) {
      const seen = frames.find(matches);
      return seen ? Promise.resolve(seen) : waitFor(matches);
    },
  };
}

/** A hello as an agent says it. */
export function helloFrame(instanceId: string, name = instanceId, running: string[] = []): Record<string, unknown> {
  return { action: 'hello', name, instance_id: instanceId, labels: {}, capacity: 1, runners: ['command'], running, protocol_version: 1, version: 'test' };
}

export async function execution(t: TestServer, id: string): Promise<Record<string, any>> {
  return (await t.request('GET', `/api/v1/executions/${id}`)).body;
}

export async function executorNamed(t: TestServer, name: string): Promise<Record<string, any> | undefined> {
  const list = (await t.request('GET', '/api/v1/executors')).body.items as Array<Record<string, any>>;
  return list.find((executor) => executor.name === name);
}

/**
 * A task that runs `sh -c <script>` on `primary` (failover to `backup`) with one retry,
 * triggered and started on `primary`. Returns the task and run ids.
 */
export async function startedFailoverRun(t: TestServer, name: string, primary: string, backup: string, script: string): Promise<{ taskId: string; runId: string }> {
  const task = await t.request('POST', '/api/v1/tasks', {
    name,
    command: 'sh',
    args: ['-c', script],
    load_balance_strategy: 'failover',
    executors: [
      { executor: primary, priority: 0 },
      { executor: backup, priority: 1 },
    ],
    max_retry: 1,
    retry_backoff_seconds: 1,
  });
  const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
  await eventually(async () => (await execution(t, run.body.id)).start_time !== null, 'the run to start');
  const started = await execution(t, run.body.id);
  const executors = (await t.request('GET', '/api/v1/executors')).body.items;
  assert.equal(started.executor_id, (await executorNamed(t, primary))!.id, `the run went elsewhere: ${JSON.stringify(started)}; the executors: ${JSON.stringify(executors)}`);
  return { taskId: task.body.id, runId: run.body.id };
}

/** Waits for a run to end (lost) and for its retry to succeed; returns both. */
export async function lostThenRetried(t: TestServer, taskId: string, runId: string): Promise<{ lost: Record<string, any>; retry: Record<string, any> }> {
  const lost = await eventually(async () => {
    const current = await execution(t, runId);
    return current.status !== 'running' ? current : undefined;
  }, 'the run to be declared lost');
  // The retry waits its backoff, then is routed and runs `sleep 2`: at a load of 12 on two
  // cores that took over 20 s once. Wait for it to end, whatever its outcome, and show the
  // task's executions if it ends otherwise than in success.
  const retry = await eventually(
    async () => {
      const items = (await t.request('GET', `/api/v1/executions?task_id=${taskId}`)).body.items as Array<Record<string, any>>;
      return items.find((item) => item.retry_of === runId && !['pending', 'running'].includes(item.status));
    },
    'the retry to end',
    60_000,
  ).catch(async (error: Error) => {
    const executions = (await t.request('GET', `/api/v1/executions?task_id=${taskId}`)).body.items;
    const executors = (await t.request('GET', '/api/v1/executors')).body.items;
    throw new Error(`${error.message}; the task's executions: ${JSON.stringify(executions)}; the executors: ${JSON.stringify(executors)}`);
  });
  const executions = (await t.request('GET', `/api/v1/executions?task_id=${taskId}`)).body.items;
  assert.equal(retry.status, 'success', `the retry ended otherwise; the task's executions: ${JSON.stringify(executions)}`);
  return { lost, retry };
}

/**
 * Cleanups for a describe block, run last-registered first after it, then any process
 * whose command line holds `mark` (a run's `sleep … # mark` left behind) is killed.
 */
export function cleanupsAfter(mark: string): Array<() => Promise<void>> {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    try {
      execFileSync('pkill', ['-f', mark]);
    } catch {
      // nothing left
    }
  });
  return cleanups;
}
