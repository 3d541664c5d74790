// The executor agent: runs what the server sends, streams output, reports results.
// Transport-neutral: it receives ServerMessages through handle() and emits
// ExecutorMessages through `send`, whether over WebSocket or an in-process pipe.
import type { ExecutorMessage, HelloMessage, RunTask, ServerMessage, TaskUpdate } from '../protocol/executor-messages.ts';
import { PROTOCOL_VERSION } from '../protocol/executor-messages.ts';
import { text, type LocalizedText, type MessageJson } from '../protocol/messages/index.ts';
import { OutputCapture, defaultOutputLimits, type OutputLimits } from './output.ts';
import { effectiveTimeout, openPolicy, type ExecutorPolicy } from './policy.ts';
import { baseEnvironment } from './runners/environment.ts';
import { killStrays } from './strays.ts';
import { advertisedNames, type RunOutcome, type Runner } from './runners/runner.ts';
import { executionSpanId, runSpanId, traceIdOf, type SpanSink } from '../domain/trace-context.ts';

export interface AgentOptions {
  name: string;
  instanceId: string;
  labels: Record<string, string>;
  capacity: number;
  runners: Runner[];
  send(message: ExecutorMessage): void;
  version: string;
  outputLimits?: OutputLimits;
  killGraceMs?: number;
  /** What the operator allows on this executor (policy.ts); default: no restrictions. */
  policy?: ExecutorPolicy;
  /** Where each run's span goes when OpenTelemetry tracing is on (the server's `run <task>` child of the execution's root). */
  spans?: SpanSink | null;
}

const FINISHED_MEMORY = 1000;

interface RunningExecution {
  /** Aborted by the first stop, kill or timeout; its reason decides how the run is reported. */
  controller: AbortController;
  /** Aborted by a kill, even one that follows a stop or timeout whose grace still runs. */
  killer: AbortController;
  done: Promise<void>;
}

export class Agent {
  readonly #options: AgentOptions;
  readonly #runners: Map<string, Runner>;
  readonly #running = new Map<string, RunningExecution>();
  /** Final reports of recently finished executions: a run delivered again gets its result again. */
  readonly #finished = new Map<string, TaskUpdate>();
  readonly #env = baseEnvironment();
  #workerId = '';
  #heartbeat: NodeJS.Timeout | null = null;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#runners = new Map(options.runners.map((runner) => [runner.type, runner]));
  }

  hello(): HelloMessage {
    return {
      action: 'hello',
      name: this.#options.name,
      instance_id: this.#options.instanceId,
      labels: this.#options.labels,
      capacity: this.#options.capacity,
      runners: advertisedNames([...this.#runners.values()]),
      running: this.runningIds(),
      protocol_version: PROTOCOL_VERSION,
      version: this.#options.version,
    };
  }

  runningIds(): string[] {
    return [...this.#running.keys()];
  }

  handle(message: ServerMessage): void {
    switch (message.action) {
      case 'welcome':
        this.#workerId = message.executor_id;
        this.#startHeartbeat(message.heartbeat_interval_ms);
        return;
      case 'run':
        for (const task of message.tasks) this.#start(task);
        return;
      case 'stop':
      case 'kill':
      case 'timeout':
        for (const { id } of message.tasks) {
          const running = this.#running.get(id);
          // Not ours (any more): a previous process of this executor may have left it behind.
          if (running) abort(running, message.action);
          // Best effort: a stray that cannot be looked for now is found by the next start's cleanup.
          else void killStrays(id).catch(() => {});
        }
        return;
      case 'ack':
      case 'error':
        return;
    }
  }

  #startHeartbeat(intervalMs: number): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = setInterval(() => this.#options.send({ action: 'heartbeat', running: this.runningIds() }), intervalMs);
    this.#heartbeat.unref();
  }

  /** Kills everything still running and waits for the reports. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    for (const running of this.#running.values()) abort(running, 'kill');
    await Promise.all([...this.#running.values()].map((running) => running.done));
  }

  #start(task: RunTask): void {
    if (this.#running.has(task.id)) return; // delivered twice: already running
    const finished = this.#finished.get(task.id);
    if (finished) {
      this.#options.send(finished); // delivered again after it ended: report, do not rerun
      return;
    }
    const controller = new AbortController();
    const killer = new AbortController();
    const done = this.#execute(task, controller, killer.signal).then(
      () => void this.#running.delete(task.id),
      // Never left rejected: an agent bug still ends the execution with a report.
      (error: unknown) => {
        this.#running.delete(task.id);
        this.#reportCrash(task, error);
      },
    );
    this.#running.set(task.id, { controller, killer, done });
  }

  #reportCrash(task: RunTask, error: unknown): void {
    const final: TaskUpdate = {
      action: 'task_update',
      worker_id: this.#workerId,
      task_id: task.id,
      attempt: task.attempt,
      data: { status: 'failed', exit_code: null, ...runError(text('run.executorFailed', { error: error instanceof Error ? error.message : String(error) })), time_end: new Date().toISOString() },
    };
    this.#finished.set(task.id, final);
    this.#options.send(final);
  }

  async #execute(task: RunTask, controller: AbortController, killed: AbortSignal): Promise<void> {
    const timeStart = new Date().toISOString();
    const update = (data: TaskUpdate['data']) => {
      const message: TaskUpdate = { action: 'task_update', worker_id: this.#workerId, task_id: task.id, attempt: task.attempt, data };
      this.#options.send(message);
      return message;
    };
    update({ status: 'running', time_start: timeStart });
    const output = new OutputCapture(this.#options.outputLimits ?? defaultOutputLimits, (seq, stream, chunk) => this.#options.send({ action: 'log', execution_id: task.id, seq, stream, chunk }));
    const policy = this.#options.policy ?? openPolicy;
    const timeout = effectiveTimeout(policy, task.timeout);
    if (timeout.clamped) {
      const asked = task.timeout > 0 ? `${task.timeout}s` : 'none';
      output.system(`[cronfleet: timeout ${asked} clamped to this executor's ceiling of ${timeout.seconds}s]\n`);
    }
    const timer = timeout.seconds === null ? null : setTimeout(() => controller.abort('timeout'), timeout.seconds * 1000);
    const runner = this.#runners.get(task.type);
    let outcome: RunOutcome;
    try {
      outcome = runner
        ? await runner.run({ task, env: this.#env, output, signal: controller.signal, killed, killGraceMs: this.#options.killGraceMs ?? 5000, policy })
        : outcomeFailed(text('run.noRunner', { type: task.type }));
    } catch (error) {
      outcome = outcomeFailed(text('run.runnerCrashed', { error: error instanceof Error ? error.message : String(error) }));
    } finally {
      if (timer) clearTimeout(timer);
    }
    // A stop that a kill overtook is reported as the kill (still cancelled); a timeout stays a timeout.
    const first = controller.signal.aborted ? String(controller.signal.reason) : null;
    const reason = first === 'stop' && killed.aborted ? 'kill' : first;
    if (reason === 'timeout') output.system(`\n[cronfleet: timed out after ${timeout.seconds}s]\n`);
    else if (reason) output.system(`\n[cronfleet: ${reason === 'kill' ? 'killed' : 'stopped'}]\n`);
    const { recent } = output.finish();
    const status = reason === 'timeout' ? 'timeout' : reason ? 'cancelled' : outcome.status;
    const final = update({
      status,
      output: recent,
      exit_code: outcome.exitCode,
      result: outcome.result,
      ...(reason === 'timeout'
        ? runError(text('run.timedOut', { seconds: timeout.seconds ?? 0 }))
        : reason
          ? runError(text(reason === 'kill' ? 'run.killed' : 'run.stopped'))
          : { error: outcome.error, ...(outcome.error !== null && outcome.errorDetail ? { error_detail: outcome.errorDetail.toJSON() } : {}) }),
      time_start: timeStart,
      time_end: new Date().toISOString(),
    });
    this.#finished.set(task.id, final);
    this.#recordSpan(task, final.data);
    if (this.#finished.size > FINISHED_MEMORY) this.#finished.delete(this.#finished.keys().next().value!);
  }

  #recordSpan(task: RunTask, data: TaskUpdate['data']): void {
    if (!this.#options.spans) return;
    const failed = data.status === 'failed' || data.status === 'timeout';
    this.#options.spans.record({
      name: `run ${task.task_name}`,
      traceId: traceIdOf(task.id),
      spanId: runSpanId(task.id, task.attempt),
      parentSpanId: executionSpanId(task.id),
      startTime: Date.parse(data.time_start!),
      endTime: Date.parse(data.time_end!),
      attributes: {
        'cronfleet.execution.id': task.id,
        'cronfleet.task.id': task.task_id,
        'cronfleet.task.name': task.task_name,
        'cronfleet.task.type': task.type,
        'cronfleet.attempt': task.attempt,
        'cronfleet.trigger': task.trigger,
        'cronfleet.executor.id': this.#workerId,
        'cronfleet.status': data.status,
        ...(data.exit_code != null ? { 'cronfleet.exit_code': data.exit_code } : {}),
      },
      error: failed ? (data.error ?? data.status) : null,
    });
  }
}

/** A run error the agent words: its English, and its key for the server to word per reader. */
function runError(message: LocalizedText): { error: string; error_detail: MessageJson } {
  return { error: message.toString(), error_detail: message.toJSON() };
}

function outcomeFailed(message: LocalizedText): RunOutcome {
  return { status: 'failed', exitCode: null, result: null, error: message.toString(), errorDetail: message };
}

/**
 * The first stop, kill or timeout decides how the run is reported (a kill after a stop
 * still ends as cancelled, after a timeout as timeout); a kill always ends it at once.
 */
function abort(running: RunningExecution, action: 'stop' | 'kill' | 'timeout'): void {
  running.controller.abort(action);
  if (action === 'kill') running.killer.abort('kill');
}
