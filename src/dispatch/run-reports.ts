// What executors say about the runs they were given: their logs, that a run started, and
// how it ended. Each report is judged against the executor of the link it came over:
// an executor reports only on executions assigned to it, about their current attempt.
//
// The runs this instance sent are remembered with the execution as sent (and its start,
// once heard), so their reports need no read of the execution: an execution's executor
// never changes once claimed, and the guarded writes still refuse one that ended
// meanwhile. A run sent by another instance, or forgotten, costs one read.
import type { Clock } from '../domain/clock.ts';
import type { Execution, FinishStatus } from '../domain/execution.ts';
import { CronfleetError } from '../protocol/errors.ts';
import type { LogMessage, RunTask, TaskUpdate } from '../protocol/executor-messages.ts';
import { messageFromJson } from '../protocol/messages/index.ts';
import type { Store } from '../store/store.ts';
import type { DispatchEvents, TypedEmitter } from './events.ts';
import type { ExecutionFinisher } from './execution-finisher.ts';
import type { ExecutorLink } from './gateway-contracts.ts';
import type { LogBuffer } from './log-buffer.ts';
import { StartMarks } from './start-marks.ts';

/** Runs remembered as sent (about 1 kB each while they run, 100 bytes once ended). */
const SENT_RUNS_LIMIT = 50_000;
/** Executions a log was accepted for, remembered so later logs need no read. */
const ASSIGNED_LIMIT = 10_000;

/**
 * A run this instance sent: to whom, over which link, and the execution as it was then;
 * null once it ended. An ended run stays remembered as sent: a delivery pass that read
 * it as running and not yet marked delivered, just before it ended, must not send it again.
 */
interface SentRun {
  executorId: string;
  link: ExecutorLink;
  execution: Execution | null;
}

export interface RunReportsDeps {
  store: Store;
  clock: Clock;
  events: TypedEmitter<DispatchEvents>;
  finisher: ExecutionFinisher;
  logs: LogBuffer;
}

export class RunReports {
  readonly #deps: RunReportsDeps;
  readonly #sent = new Map<string, SentRun>();
  readonly #assigned = new Set<string>();
  readonly #starts: StartMarks;

  constructor(deps: RunReportsDeps) {
    this.#deps = deps;
    this.#starts = new StartMarks(deps.store, deps.clock);
  }

  /** Remembers runs sent to an executor over `link`, each with the execution it was made from. */
  sent(executorId: string, link: ExecutorLink, runs: ReadonlyArray<{ execution: Execution; run: RunTask }>): void {
    for (const { execution } of runs) this.#sent.set(execution.id, { executorId, link, execution });
    // Bounded: an entry that falls out only costs one read when its report comes.
    while (this.#sent.size > SENT_RUNS_LIMIT) this.#sent.delete(this.#sent.keys().next().value!);
  }

  /** True when this run was sent to this executor over `link`. */
  sentOver(executionId: string, executorId: string, link: ExecutorLink | undefined): boolean {
    const sent = this.#sent.get(executionId);
    return sent !== undefined && sent.executorId === executorId && sent.link === link;
  }

  /** Buffers a log chunk, taken only from the executor the execution was given to. */
  async log(executorId: string, message: LogMessage, now: number): Promise<void> {
    await this.#assertAssigned(executorId, message.execution_id);
    this.#deps.logs.add(message.execution_id, { seq: message.seq, stream: message.stream, chunk: message.chunk, createdAt: now });
  }

  /** Records a start or an end. Throws invalid_request for an execution not assigned to this executor. */
  async update(executorId: string, update: TaskUpdate): Promise<void> {
    const sent = this.#sent.get(update.task_id);
    const mine = sent?.executorId === executorId ? sent : undefined;
    const { status } = update.data;
    if (status !== 'running') return this.#ended(executorId, update, status, mine);
    const known = mine?.execution;
    let scheduledTime = known?.scheduledTime;
    if (!known || known.attempt !== update.attempt) {
      const execution = await this.#deps.store.executions.get(update.task_id);
      if (!execution || execution.executorId !== executorId) throw notAssigned(update.task_id);
      if (execution.attempt !== update.attempt) return; // a report about another attempt: stale
      scheduledTime = execution.scheduledTime;
    }
    // Times come from the server's clock: executor clocks may drift.
    const startTime = await this.#starts.mark(update.task_id);
    if (mine && known && known.startTime === null) mine.execution = { ...known, startTime };
    this.#deps.events.emit('execution.started', { executionId: update.task_id, scheduledTime: scheduledTime ?? startTime, startTime, attempt: update.attempt });
  }

  async #ended(executorId: string, update: TaskUpdate, status: FinishStatus, mine: SentRun | undefined): Promise<void> {
    if (this.#deps.logs.has(update.task_id)) await this.#deps.logs.flush();
    // The finisher judges the report: this executor's, this attempt, not ended before.
    const outcome = await this.#deps.finisher.finish(
      {
        executionId: update.task_id,
        status,
        by: { executorId, attempt: update.attempt },
        exitCode: update.data.exit_code ?? null,
        result: update.data.result ?? null,
        error: update.data.error ?? null,
        errorDetail: messageFromJson(update.data.error_detail),
        ranForMs: measuredLength(update.data.time_start, update.data.time_end),
      },
      mine?.execution ?? undefined,
    );
    if (outcome === 'not_found' || outcome === 'not_assigned') throw notAssigned(update.task_id);
    if (mine && outcome !== 'stale_attempt') mine.execution = null;
  }

  /** Logs only from the executor an execution was given to (remembered after one read). */
  async #assertAssigned(executorId: string, executionId: string): Promise<void> {
    const key = `${executorId}/${executionId}`;
    if (this.#assigned.has(key) || this.#sent.get(executionId)?.executorId === executorId) return;
    const execution = await this.#deps.store.executions.get(executionId);
    if (!execution || execution.executorId !== executorId) throw notAssigned(executionId);
    this.#assigned.add(key);
    if (this.#assigned.size > ASSIGNED_LIMIT) this.#assigned.delete(this.#assigned.values().next().value!);
  }
}

function notAssigned(executionId: string): CronfleetError {
  return new CronfleetError('invalid_request', `execution '${executionId}' is not assigned to this executor`, { execution_id: executionId });
}

/** A run's length by the executor's clock, from the start and end it reports; null when it does not say. */
function measuredLength(start: string | undefined, end: string | undefined): number | null {
  const length = start && end ? Date.parse(end) - Date.parse(start) : Number.NaN;
  return Number.isFinite(length) && length >= 0 ? length : null;
}
