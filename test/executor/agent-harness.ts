// Drives a real Agent in-process, as the gateway would: it hands the agent server
// messages and collects every ExecutorMessage the agent sends. Runners, child processes
// and sockets are all real; tests await the messages themselves, never a sleep.
import { after, before } from 'node:test';
import { Agent, type AgentOptions } from '../../src/executor/agent.ts';
import type { OutputLimits } from '../../src/executor/output.ts';
import { defaultRunners } from '../../src/executor/runners/index.ts';
import type { ExecutorMessage, LogMessage, RunTask, TaskUpdate } from '../../src/protocol/executor-messages.ts';
import { killIfRunning } from './process-probe.ts';

/** Small flush interval so live chunks arrive quickly; limits large enough for probes. */
export const testOutputLimits: OutputLimits = { headBytes: 64 * 1024, tailBytes: 32 * 1024, flushMs: 20 };

interface Waiter {
  matches(message: ExecutorMessage): boolean;
  resolve(message: ExecutorMessage): void;
}

export class AgentHarness {
  readonly agent: Agent;
  readonly messages: ExecutorMessage[] = [];
  #waiters: Waiter[] = [];

  constructor(options: Partial<Omit<AgentOptions, 'send'>> = {}) {
    this.agent = new Agent({
      name: 'test-executor',
      instanceId: 'test-instance',
      labels: {},
      capacity: 8,
      runners: defaultRunners(),
      version: 'test',
      killGraceMs: 200,
      outputLimits: testOutputLimits,
      ...options,
      send: (message) => this.#receive(message),
    });
    this.agent.handle({ action: 'welcome', executor_id: 'executor-1', heartbeat_interval_ms: 60_000 });
  }

  /** Sends one run message and resolves with the execution's final task_update. */
  run(task: RunTask): Promise<TaskUpdate> {
    const finished = this.finished(task.id);
    this.agent.handle({ action: 'run', tasks: [task] });
    return finished;
  }

  /** The final (non-running) task_update of an execution, already sent or still to come. */
  async finished(executionId: string): Promise<TaskUpdate> {
    return (await this.next((message) => isFinalUpdate(message) && message.task_id === executionId)) as TaskUpdate;
  }

  /** Resolves once the execution has written output containing `text`. */
  async printed(executionId: string, text: string): Promise<void> {
    await this.next(() => this.output(executionId).includes(text));
  }

  /** The first message (already received or yet to come) for which `matches` holds. */
  next(matches: (message: ExecutorMessage) => boolean): Promise<ExecutorMessage> {
    const seen = this.messages.find(matches);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ matches, resolve }));
  }

  updates(executionId: string): TaskUpdate[] {
    return this.messages.filter((message): message is TaskUpdate => message.action === 'task_update' && message.task_id === executionId);
  }

  logs(executionId: string): LogMessage[] {
    return this.messages.filter((message): message is LogMessage => message.action === 'log' && message.execution_id === executionId);
  }

  /** Everything the execution streamed, in order; `stream` narrows it to one stream. */
  output(executionId: string, stream?: LogMessage['stream']): string {
    return this.logs(executionId)
      .filter((log) => stream === undefined || log.stream === stream)
      .map((log) => log.chunk)
      .join('');
  }

  close(): Promise<void> {
    return this.agent.stop();
  }

  #receive(message: ExecutorMessage): void {
    this.messages.push(message);
    // A log may satisfy a waiter that looks at the accumulated output, so check all.
    const ready = this.#waiters.filter((waiter) => waiter.matches(message));
    this.#waiters = this.#waiters.filter((waiter) => !ready.includes(waiter));
    for (const waiter of ready) waiter.resolve(message);
  }
}

export function isFinalUpdate(message: ExecutorMessage): message is TaskUpdate {
  return message.action === 'task_update' && message.data.status !== 'running';
}

let executionCounter = 0;

/** A RunTask shaped as the dispatcher's runTask() builds it; `overrides` replace fields. */
export function runTask(type: RunTask['type'], spec: Record<string, unknown>, overrides: Partial<RunTask> = {}): RunTask {
  executionCounter += 1;
  return {
    id: `execution-${process.pid}-${executionCounter}`,
    attempt: 1,
    task_id: 'task-1',
    task_name: 'test task',
    type,
    ...(type === 'command' ? { command: spec.command as string, args: spec.args as string[] } : {}),
    timeout: 30,
    spec,
    parameters: {},
    scheduled_time: '2026-01-05T00:00:00.000Z',
    trigger: 'schedule',
    ...overrides,
  };
}

export interface CommandSpec {
  command: string;
  args?: string[];
  shell?: boolean;
  env?: Record<string, string>;
  cwd?: string | null;
}

export function commandTask(spec: CommandSpec, overrides: Partial<RunTask> = {}): RunTask {
  return runTask('command', { args: [], shell: false, env: {}, cwd: null, ...spec }, overrides);
}

/** A command task running `script` with /bin/sh -c in argv mode (no shell: true). */
export function shTask(script: string, overrides: Partial<RunTask> = {}): RunTask {
  return commandTask({ command: '/bin/sh', args: ['-c', script] }, overrides);
}

/**
 * A describe block's agent and the pids its tests spawn: the agent is made before the
 * tests and closed after them, and any spawned process still alive is killed.
 */
export function agentSuite(options: ConstructorParameters<typeof AgentHarness>[0]): { harness: AgentHarness; spawned: number[] } {
  const suite = { harness: undefined as unknown as AgentHarness, spawned: [] as number[] };
  before(() => {
    suite.harness = new AgentHarness(options);
  });
  after(async () => {
    await suite.harness.close();
    killIfRunning(suite.spawned);
  });
  return suite;
}
