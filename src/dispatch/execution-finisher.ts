// The one door to a terminal state. Every report that an execution ended — an agent's
// result (gateway), an HTTP executor's callback, the leader's sweeps (deadline passed,
// executor lost), the dispatcher (task deleted, send failed, stopped while pending) —
// goes through ExecutionFinisher.finish, which alone:
//
// - decides who may report: an executor only on an execution assigned to it, and only
//   about its current attempt (a report about an earlier attempt is stale: ignored);
//   the server itself (sweeps, dispatcher, stops) on any active execution;
// - stamps the times: end_time is the server's clock now (executor clocks drift);
//   start_time is the one recorded when the executor said it started, else the moment
//   the run was handed over when the reporter knows it (an HTTP push), else none (the
//   run never started, e.g. cancelled while pending) — moved earlier when the run's
//   length as the executor measured it says so (runStart below), so a duration is never
//   shorter than the run the executor timed;
// - masks the values of the execution's secrets (its task's env and headers, its
//   parameters) in the reported result and error before they are stored;
// - finishes it with one guarded UPDATE (store: pending|running → terminal), which the
//   finishes of one turn of the event loop share (finish-writes.ts), so of two racing
//   reports exactly one wins and a late one changes nothing;
// - schedules the retry the domain's rule asks for (domain/retry.ts retryAfter), only
//   when this call won the finish, so a report delivered twice never retries twice;
// - emits `execution.finished` exactly once per execution, which metrics, and later
//   alerts and workflow triggers, subscribe to.
//
// Skipped fires are recorded terminal by the fire loop and never pass here: they never ran.
import type { Clock } from '../domain/clock.ts';
import { isRetryable, isTerminal, type Execution, type FinishStatus } from '../domain/execution.ts';
import { retryAfter } from '../domain/retry.ts';
import { maskSecretJson, maskSecretText } from '../domain/secrets.ts';
import { LocalizedText, mapMessageText } from '../protocol/messages/index.ts';
import type { Task } from '../domain/task.ts';
import type { TaskMemory } from '../domain/task-memory.ts';
import type { SecretOpener } from '../store/secret-cipher.ts';
import { SecretMasker } from '../store/secret-masker.ts';
import type { Store } from '../store/store.ts';
import type { DispatchEvents, TypedEmitter } from './events.ts';
import { FinishWrites } from './finish-writes.ts';

export interface ExecutionFinisherDeps {
  store: Store;
  clock: Clock;
  events: TypedEmitter<DispatchEvents>;
  /** The cluster's secret cipher: opens the values to mask. */
  secrets: SecretOpener;
  /** Called after an execution finished: capacity freed up, or a retry is waiting. */
  wake(): void;
  /** Tasks read moments ago: a short run's task is not read again to mask and retry it. */
  recent?: TaskMemory;
  /** Retry jitter (tests make it exact). */
  random?: () => number;
}

/** Who reports the end: the executor the run was given to, or the server's own verdict. */
type Reporter = { executorId: string; attempt?: number } | 'server';

export interface FinishReport {
  executionId: string;
  status: FinishStatus;
  by: Reporter;
  exitCode?: number | null;
  result?: unknown;
  /**
   * What went wrong: the server's own as a message by key (stored in English with its key, so
   * the API words it per request), an executor's as the text it sent.
   */
  error?: string | LocalizedText | null;
  /** The message an executor's `error` was worded from, when a cronfleet agent sent one. */
  errorDetail?: LocalizedText | null;
  /** Why it ended so (e.g. executor_lost); server-made text. */
  reason?: string | null;
  /** When the run was handed to its executor, if the reporter knows: the start when none was recorded. */
  handedOverAt?: number | null;
  /** How long the run took by its executor's own clock (its end − its start: one clock, so drift cancels out). */
  ranForMs?: number | null;
}

/**
 * finished: this call ended it. ended_before: it had already ended (a duplicate or late
 * report). not_found / not_assigned: the reporter may not report on it. stale_attempt:
 * a report about an earlier attempt of the same execution.
 */
export type FinishOutcome = 'finished' | 'ended_before' | 'not_found' | 'not_assigned' | 'stale_attempt';

export class ExecutionFinisher {
  readonly #deps: ExecutionFinisherDeps;
  readonly #masker: SecretMasker;
  readonly #writes: FinishWrites;

  constructor(deps: ExecutionFinisherDeps) {
    this.#deps = deps;
    this.#masker = new SecretMasker(deps.secrets);
    this.#writes = new FinishWrites(deps.store, deps.clock);
  }

  /**
   * `known`: the execution as this instance sent it to its executor (and saw it start), so
   * it need not be read again; the guarded update still refuses one that ended meanwhile.
   */
  async finish(report: FinishReport, known?: Execution): Promise<FinishOutcome> {
    const { store, clock, events } = this.#deps;
    const execution = known ?? (await store.executions.get(report.executionId));
    if (!execution) return 'not_found';
    if (report.by !== 'server') {
      if (execution.executorId !== report.by.executorId) return 'not_assigned';
      if (report.by.attempt !== undefined && report.by.attempt !== execution.attempt) return 'stale_attempt';
    }
    if (isTerminal(execution.status)) return 'ended_before';
    const now = clock.now();
    let task: Task | null | undefined;
    const loadTask = async () => (task === undefined ? (task = this.#deps.recent?.recall(execution.taskId, execution.taskVersion) ?? (await store.tasks.getIncludingDeleted(execution.taskId))) : task);
    const secrets = await this.#secretValues(execution, report, loadTask);
    const finished = await this.#writes.write({
      id: execution.id,
      status: report.status,
      endTime: now,
      fields: {
        ...(report.exitCode !== undefined ? { exitCode: report.exitCode } : {}),
        ...(report.result !== undefined ? { result: maskSecretJson(report.result, secrets) } : {}),
        ...errorFields(report, secrets),
        ...(report.reason !== undefined ? { reason: report.reason } : {}),
        ...startTimeField(execution, report, now),
      },
    });
    if (!finished) return 'ended_before';
    let retryId: string | null = null;
    try {
      const retry = isRetryable(report.status) ? retryAfter(execution, report.status, await loadTask(), now, this.#deps.random) : null;
      if (retry) {
        await store.executions.insert([retry], now);
        retryId = retry.id;
      }
    } finally {
      // Emitted even when the retry could not be recorded: the execution did end.
      events.emit('execution.finished', {
        executionId: execution.id,
        taskId: execution.taskId,
        taskName: execution.taskName,
        status: report.status,
        executorId: execution.executorId,
        attempt: execution.attempt,
        retryId,
        workflowRunId: execution.workflowRunId,
        startTime: startTimeField(execution, report, now).startTime ?? execution.startTime,
        endTime: now,
      });
      this.#deps.wake();
    }
    return 'finished';
  }

  /** The opened values to mask in this report; the task is read only when there is text to mask. */
  async #secretValues(execution: Execution, report: FinishReport, loadTask: () => Promise<Task | null>): Promise<string[]> {
    const hasText = (report.result !== undefined && report.result !== null) || (report.error !== undefined && report.error !== null && report.error !== '');
    return hasText ? this.#masker.valuesOf(await loadTask(), execution.parameters) : [];
  }
}

/** The error to store, masked: its English text, and the message it was worded from when it has one. */
function errorFields(report: FinishReport, secrets: readonly string[]): { error?: string | null; errorDetail?: LocalizedText | null } {
  if (report.error === undefined) return {};
  if (report.error === null) return { error: null, errorDetail: null };
  const mask = (value: string) => maskSecretText(value, secrets);
  const detail = report.error instanceof LocalizedText ? report.error : (report.errorDetail ?? null);
  return { error: mask(String(report.error)), errorDetail: detail && mapMessageText(detail, mask) };
}

/**
 * The start to record, when it differs from the stored one. The start the server heard is
 * late: the executor starts its timeout clock, then sends "running", which crosses the
 * network (or, in-process, waits while the child process is spawned) and then its turn
 * among the link's frames; the end is heard after the end. So a run the executor timed
 * out after 5 s read 4.87 s. When the executor reports the run's length, end − length is
 * as good a bound for the start as the one heard: the earlier of the two is kept (never
 * before the execution existed), and the duration is never shorter than the executor
 * measured it.
 */
function startTimeField(execution: Execution, report: FinishReport, now: number): { startTime?: number } {
  const heard = execution.startTime ?? report.handedOverAt ?? null;
  const measured = report.ranForMs != null && report.ranForMs >= 0 ? Math.max(execution.createdAt, now - report.ranForMs) : null;
  const start = heard === null ? measured : measured === null ? heard : Math.min(heard, measured);
  return start !== null && start !== execution.startTime ? { startTime: start } : {};
}
