// History retention (issue 15, README "History retention"): on the leader only, every
// cleanup interval, delete
// - finished executions beyond their task's history_limit newest ones, whatever their age;
// - finished executions scheduled more than execution_retention_days ago, with their logs;
// - the log chunks of finished executions scheduled more than log_retention_days ago (the
//   row stays, marked log_expired);
// - audit entries older than audit_retention_days;
// - agents offline for longer than executor_retention_days, with their routing state.
// Pending and running executions, each task's newest finished execution and its newest successful one (the dead-man metric and alert read it) are never
// deleted. Deleted executions are folded into daily rollups first (store/retention.ts),
// so the 7d and 90d statistics keep counting them.
//
// Off the fire path: the work goes in batches of `batchSize` rows, each one short
// statement or transaction, with a pause between batches, so the fire loop's statements
// (which share SQLite's one connection, or PostgreSQL's and MariaDB's locks) never wait
// behind a long delete. The pause grows with the batch's duration (a slow database or a
// busy machine slows the cleanup, not the fires) and ends in the quiet part of a second
// (delayBeforeNextBatch). bench/cleanup-lateness.ts measures what it costs the fire path.
import { setTimeout as pause } from 'node:timers/promises';
import type { Clock, TimerHandle } from '../domain/clock.ts';
import type { AgedExecution, ScanCursor } from '../store/retention.ts';
import type { Store } from '../store/store.ts';

const DAY_MS = 86_400_000;
/**
 * SQLite pages (4 KiB) given back per step of the vacuum. A step holds the server's one
 * connection: 2,048 pages took 55-85 ms on the benchmark machine, 256 pages 2-5 ms.
 */
const RECLAIM_PAGES = 256;
/** The pause after a batch is at least this many times as long as the batch took: the cleanup holds the database at most a quarter of the time. */
const PAUSE_PER_WORK = 3;
/**
 * Cron fires are due on whole seconds, and the fire loop records and dispatches them in
 * the first few hundred milliseconds after (p99 268 ms in bench/cleanup-lateness.ts on a
 * loaded machine): a batch starts between these offsets into a second, so that it is over
 * before the next second's fires.
 */
const QUIET_FROM_MS = 300;
const QUIET_UNTIL_MS = 800;

/**
 * How long to wait after a batch that took `workedMs`, at `nowMs` (the scheduler's clock,
 * whose whole seconds the fires are due on): at least `pauseMs` and PAUSE_PER_WORK times
 * the batch, then on to the quiet part of a second.
 */
export function delayBeforeNextBatch(workedMs: number, nowMs: number, pauseMs: number): number {
  const wait = Math.max(pauseMs, workedMs * PAUSE_PER_WORK);
  const into = (((nowMs + wait) % 1000) + 1000) % 1000;
  if (into < QUIET_FROM_MS) return wait + QUIET_FROM_MS - into;
  if (into > QUIET_UNTIL_MS) return wait + 1000 - into + QUIET_FROM_MS;
  return wait;
}

export interface RetentionOptions {
  /** 0 = keep forever, for each of the four. */
  executionDays: number;
  logDays: number;
  auditDays: number;
  executorDays: number;
  intervalMs: number;
  /** Rows per batch (one statement or transaction). */
  batchSize: number;
  /**
   * Least wall-time pause between batches (real time, not the injected clock: it paces the
   * database work; see delayBeforeNextBatch). 0: no pause at all (tests).
   */
  pauseMs: number;
}

export interface CleanupReport {
  /** Finished executions deleted (folded into rollups): beyond a history limit, and by age. */
  historyLimited: number;
  expired: number;
  logsExpired: number;
  auditDeleted: number;
  agentsRemoved: number;
}

export class RetentionCleanup {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #options: RetentionOptions;
  readonly #onError: (error: unknown) => void;
  readonly #onReport: (report: CleanupReport) => void;
  #timer: TimerHandle | null = null;
  #active = false;
  /** Set by stop(): a run in progress ends at its next batch. */
  #stopping = false;
  #running: Promise<CleanupReport> | null = null;
  /** When the batch in progress began (performance.now()): the next pause grows with it. */
  #batchStarted = 0;

  constructor(store: Store, clock: Clock, options: RetentionOptions, onError: (error: unknown) => void, onReport: (report: CleanupReport) => void = () => {}) {
    this.#store = store;
    this.#clock = clock;
    this.#options = options;
    this.#onError = onError;
    this.#onReport = onReport;
  }

  /** On becoming leader: a first pass soon (a server restarted more often than the interval still cleans), then every interval. */
  start(): void {
    if (this.#active) return;
    this.#active = true;
    this.#stopping = false;
    this.#schedule(Math.min(this.#options.intervalMs, 60_000));
  }

  /** On losing leadership or closing; idempotent. Waits for a run in progress to stop at its next batch. */
  async stop(): Promise<void> {
    this.#active = false;
    this.#stopping = true;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#running?.catch(() => {});
  }

  /** One full pass now (tests, and the timer); a pass already running is joined, not doubled. */
  runOnce(): Promise<CleanupReport> {
    this.#running ??= this.#pass().finally(() => (this.#running = null));
    return this.#running;
  }

  #schedule(delayMs: number): void {
    this.#timer = this.#clock.setTimer(delayMs, () => {
      this.#timer = null;
      void this.runOnce()
        .then((report) => this.#onReport(report))
        .catch((error: unknown) => this.#onError(error))
        .finally(() => {
          if (this.#active) this.#schedule(this.#options.intervalMs);
        });
    });
  }

  async #pass(): Promise<CleanupReport> {
    this.#batchStarted = performance.now();
    const now = this.#clock.now();
    const cutoff = (days: number) => (days > 0 ? now - days * DAY_MS : null);
    const report: CleanupReport = { historyLimited: 0, expired: 0, logsExpired: 0, auditDeleted: 0, agentsRemoved: 0 };
    await this.#historyLimits(report);
    await this.#byAge(cutoff(this.#options.executionDays), cutoff(this.#options.logDays), report);
    const auditBefore = cutoff(this.#options.auditDays);
    if (auditBefore !== null) await this.#audit(auditBefore, report);
    const agentsBefore = cutoff(this.#options.executorDays);
    if (agentsBefore !== null) {
      for (const id of await this.#store.retention.agentsOfflineSince(agentsBefore)) {
        if (this.#stopping) break;
        if (await this.#store.retention.removeOfflineAgent(id, agentsBefore, now)) report.agentsRemoved += 1;
      }
    }
    if (report.historyLimited + report.expired + report.logsExpired + report.auditDeleted > 0) await this.#reclaim();
    return report;
  }

  async #historyLimits(report: CleanupReport): Promise<void> {
    const { batchSize } = this.#options;
    for (const { taskId, historyLimit } of await this.#store.retention.historyLimits()) {
      const lastSuccess = await this.#store.retention.newestSuccess(taskId);
      while (!this.#stopping) {
        const ids = await this.#store.retention.beyondHistoryLimit(taskId, historyLimit, batchSize);
        const deleted = await this.#store.retention.foldAndDelete(ids.filter((id) => id !== lastSuccess));
        report.historyLimited += deleted;
        if (ids.length < batchSize || deleted === 0) break;
        await this.#pause();
      }
    }
  }

  /**
   * One scan, oldest first, over executions scheduled before the later of the two
   * cutoffs: each finished row older than the execution cutoff is deleted unless it is of
   * its task's newest finished instant; each other finished row older than the log cutoff
   * loses its log. Pages follow the scheduled_time index: a full page is handled up to
   * its last instant, which the next page starts from (its rows may go on past the
   * page); a full page of one instant is read whole by that instant. Every page is one
   * bounded read, then bounded writes.
   */
  async #byAge(executionsBefore: number | null, logsBefore: number | null, report: CleanupReport): Promise<void> {
    if (executionsBefore === null && logsBefore === null) return;
    const scanBefore = Math.max(executionsBefore ?? -Infinity, logsBefore ?? -Infinity);
    const { batchSize } = this.#options;
    // A task's newest finished instant when first needed in this pass. A run that
    // finishes later is newer still, so a stale entry only ever keeps more.
    const newest = new Map<string, number | null>();
    const lastSuccesses = new Map<string, string | null>();
    let cursor: ScanCursor | null = null;
    while (!this.#stopping) {
      const page = await this.#store.retention.scanOlderThan(scanBefore, cursor, batchSize);
      if (page.length === 0) break;
      const last = page[page.length - 1]!.scheduledTime;
      let rows: AgedExecution[];
      if (page.length < batchSize) {
        rows = page;
      } else if (page[0]!.scheduledTime === last) {
        rows = await this.#store.retention.scheduledAt(last);
      } else {
        rows = page.filter((row) => row.scheduledTime < last);
      }
      const deletions: string[] = [];
      const logExpiries: string[] = [];
      for (const row of rows) {
        if (!row.finished) continue;
        if (executionsBefore !== null && row.scheduledTime < executionsBefore) {
          if (!newest.has(row.taskId)) newest.set(row.taskId, await this.#store.retention.newestFinished(row.taskId));
          if (!lastSuccesses.has(row.taskId)) lastSuccesses.set(row.taskId, await this.#store.retention.newestSuccess(row.taskId));
          const keep = newest.get(row.taskId);
          if (keep !== null && keep !== undefined && row.scheduledTime < keep && row.id !== lastSuccesses.get(row.taskId)) {
            deletions.push(row.id);
            continue;
          }
        }
        if (logsBefore !== null && row.scheduledTime < logsBefore && !row.logExpired) logExpiries.push(row.id);
      }
      for (let start = 0; start < deletions.length; start += batchSize) report.expired += await this.#store.retention.foldAndDelete(deletions.slice(start, start + batchSize));
      for (let start = 0; start < logExpiries.length; start += batchSize) report.logsExpired += await this.#store.retention.expireLogs(logExpiries.slice(start, start + batchSize));
      if (page.length < batchSize) break;
      // The rows handled are those before `last`, or all of `last` when the page held nothing else.
      cursor = { from: last, inclusive: page[0]!.scheduledTime !== last };
      await this.#pause();
    }
  }

  async #audit(before: number, report: CleanupReport): Promise<void> {
    while (!this.#stopping) {
      const deleted = await this.#store.retention.deleteAuditBefore(before, this.#options.batchSize);
      report.auditDeleted += deleted;
      if (deleted < this.#options.batchSize) break;
      await this.#pause();
    }
  }

  /** SQLite: give the freed pages back to the file system, a few megabytes at a time. */
  async #reclaim(): Promise<void> {
    while (!this.#stopping) {
      if ((await this.#store.retention.reclaimSpace(RECLAIM_PAGES)) === 0) break;
      await this.#pause();
    }
  }

  async #pause(): Promise<void> {
    if (this.#options.pauseMs > 0) await pause(delayBeforeNextBatch(performance.now() - this.#batchStarted, this.#clock.now(), this.#options.pauseMs));
    this.#batchStarted = performance.now();
  }
}
