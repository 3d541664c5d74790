// Turns what happened into alerts, on the leader (README "Alerts"). Each pass reads the
// executions that finished since the last pass (from the database, not from in-memory
// events: a finish recorded just before a crash or a failover is read by the next
// leader), the active tasks' last successes (the dead-man rule) and the executors'
// status, and records for every matching rule one alert per channel. Nothing is sent
// here: alerts/sender.ts sends what is recorded.
//
// The read overlaps the previous one by LOOKBACK_MS, so a finish whose transaction
// committed late is still seen; reading one twice is harmless, because every alert has a
// unique key (rule, channel, event, what it is about) and a decision already recorded is
// skipped with its problem-state change. A problem is per rule and subject (a task, an
// executor): the first alert opens it, later ones within the rule's throttle are recorded
// as `suppressed`, and `recovered` (the next success, or the executor back online)
// closes it. A muted rule records `suppressed` alerts and opens nothing.
import type { Clock } from '../domain/clock.ts';
import { newId } from '../domain/ids.ts';
import type { AlertEvent } from '../protocol/enums.ts';
import type { AlertRule, NewAlert, Problem } from '../store/alerts.ts';
import type { Store } from '../store/store.ts';

/** How far each read reaches back before the cursor: longer than any finish transaction takes to commit. */
const LOOKBACK_MS = 30_000;
/** Executions read per pass at most; the next pass goes on from there. */
const BATCH = 2000;
/** With no rule, how stale the cursor may get before it is written again. */
const CURSOR_IDLE_WRITE_MS = 5000;

/** What happened to an execution, as rules name it; `success` may close a problem. */
type Outcome = Exclude<AlertEvent, 'recovered' | 'consecutive_failures' | 'no_success' | 'executor_offline' | 'no_leader'> | 'success';

const failures: readonly Outcome[] = ['failed', 'timeout', 'executor_lost', 'no_executor'];

function outcomeOf(status: string, reason: string | null): Outcome | null {
  if (status === 'success') return 'success';
  if (status === 'timeout') return 'timeout';
  if (status === 'lost' || reason === 'executor_lost') return 'executor_lost';
  if (status === 'failed') return reason === 'no_executor' ? 'no_executor' : 'failed';
  if (status === 'skipped' && reason === 'misfire') return 'misfire';
  return null;
}

function matches(rule: AlertRule, task: { id: string; tags: readonly string[] }): boolean {
  if (rule.taskIds.length === 0 && rule.tags.length === 0) return true;
  return rule.taskIds.includes(task.id) || task.tags.some((tag) => rule.tags.includes(tag));
}

interface Subject {
  /** alert_problems.subject: task:<id> or executor:<id>. */
  key: string;
  taskId: string | null;
  executionId: string | null;
  executorId: string | null;
}

export class AlertEvaluator {
  readonly #store: Store;
  readonly #clock: Clock;

  constructor(store: Store, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** One pass; returns how many alerts it recorded. */
  async pass(): Promise<number> {
    const now = this.#clock.now();
    const cursor = await this.#store.alerts.cursor();
    if (cursor === null) {
      // First pass ever: alerts are about what happens from now on, not the history.
      await this.#store.alerts.setCursor(now, now);
      return 0;
    }
    const rules = (await this.#store.alerts.rules()).filter((rule) => rule.enabled && rule.channelIds.length > 0);
    if (rules.length === 0) {
      // Kept near now (written every few seconds, not every pass), so a new rule starts from the present.
      if (now - cursor > CURSOR_IDLE_WRITE_MS) await this.#store.alerts.setCursor(now, now);
      return 0;
    }
    let recorded = 0;
    const rows = await this.#store.alerts.finishedBetween(cursor - LOOKBACK_MS, now, BATCH);
    const tasks = new Map<string, { id: string; tags: readonly string[] } | null>();
    for (const row of rows) {
      const outcome = outcomeOf(row.status, row.reason);
      if (outcome === null) continue;
      if (!tasks.has(row.taskId)) tasks.set(row.taskId, await this.#store.tasks.getIncludingDeleted(row.taskId));
      const task = tasks.get(row.taskId);
      if (!task) continue;
      const subject = { key: `task:${task.id}`, taskId: task.id, executionId: row.id, executorId: null };
      for (const rule of rules.filter((candidate) => matches(candidate, task))) {
        if (outcome === 'success') recorded += await this.#recover(rule, subject, row.id, now);
        else recorded += await this.#raise(rule, subject, await this.#eventsFor(rule, outcome, task.id, row), row.id, now);
      }
    }
    recorded += await this.#deadMan(rules, now);
    recorded += await this.#executors(rules, now);
    const reached = rows.length === BATCH ? rows.at(-1)!.updatedAt : now;
    await this.#store.alerts.setCursor(Math.max(cursor, reached), now);
    return recorded;
  }

  /** The rule's events an outcome raises: itself, and consecutive_failures when the run completes a streak. */
  async #eventsFor(rule: AlertRule, outcome: Outcome, taskId: string, execution: { id: string; scheduledTime: number }): Promise<AlertEvent[]> {
    const events: AlertEvent[] = rule.events.includes(outcome as AlertEvent) ? [outcome as AlertEvent] : [];
    const streak = rule.consecutiveFailures;
    if (rule.events.includes('consecutive_failures') && streak !== null && failures.includes(outcome)) {
      const latest = await this.#store.alerts.latestOutcomes(taskId, streak, execution);
      if (latest.length === streak && latest.every((status) => status !== 'success')) events.push('consecutive_failures');
    }
    return events;
  }

  /** Records `events` about `subject` for each channel of the rule: sent, or suppressed by a mute or the throttle. */
  async #raise(rule: AlertRule, subject: Subject, events: readonly AlertEvent[], about: string, now: number): Promise<number> {
    if (events.length === 0) return 0;
    const keyed = events.flatMap((event) => rule.channelIds.map((channelId) => ({ event, channelId, key: `${rule.id}|${channelId}|${event}|${about}` })));
    const known = await this.#store.alerts.recordedKeys(keyed.map((entry) => entry.key));
    const fresh = keyed.filter((entry) => !known.has(entry.key));
    if (fresh.length === 0) return 0;
    const problem = await this.#store.alerts.problem(rule.id, subject.key);
    const muted = rule.mutedUntil !== null && rule.mutedUntil > now;
    const throttled = problem.openedAt !== null && problem.lastAlertAt !== null && now - problem.lastAlertAt < rule.throttleSeconds * 1000;
    const status = muted || throttled ? 'suppressed' : 'pending';
    const state: Problem = muted ? problem : { openedAt: problem.openedAt ?? now, lastAlertAt: status === 'pending' ? now : problem.lastAlertAt };
    return this.#store.alerts.record(
      fresh.map((entry) => this.#alert(rule, subject, entry, status, now)),
      { ruleId: rule.id, subject: subject.key, state },
      now,
    );
  }

  /** A success (or an executor back) closes the rule's open problem about it, saying so if the rule asks for `recovered`. */
  async #recover(rule: AlertRule, subject: Subject, about: string, now: number): Promise<number> {
    const problem = await this.#store.alerts.problem(rule.id, subject.key);
    if (problem.openedAt === null) return 0;
    const closed = { ruleId: rule.id, subject: subject.key, state: { openedAt: null, lastAlertAt: problem.lastAlertAt } };
    if (!rule.events.includes('recovered')) return this.#store.alerts.record([], closed, now);
    const keyed = rule.channelIds.map((channelId) => ({ event: 'recovered' as const, channelId, key: `${rule.id}|${channelId}|recovered|${about}` }));
    const known = await this.#store.alerts.recordedKeys(keyed.map((entry) => entry.key));
    const fresh = keyed.filter((entry) => !known.has(entry.key));
    const muted = rule.mutedUntil !== null && rule.mutedUntil > now;
    return this.#store.alerts.record(
      fresh.map((entry) => this.#alert(rule, subject, entry, muted ? 'suppressed' : 'pending', now)),
      closed,
      now,
    );
  }

  /** no_success: an active task without a success for longer than the rule allows (since its creation if it never had one). */
  async #deadMan(rules: readonly AlertRule[], now: number): Promise<number> {
    const watching = rules.filter((rule) => rule.events.includes('no_success') && rule.noSuccessSeconds !== null);
    if (watching.length === 0) return 0;
    let recorded = 0;
    for (const task of await this.#store.tasks.successSummaries()) {
      const since = task.lastSuccess ?? task.createdAt;
      for (const rule of watching.filter((candidate) => matches(candidate, { id: task.taskId, tags: task.tags }))) {
        if (now - since <= rule.noSuccessSeconds! * 1000) continue;
        // One alert per silence: keyed by when it began.
        recorded += await this.#raise(rule, { key: `task:${task.taskId}`, taskId: task.taskId, executionId: null, executorId: null }, ['no_success'], `${task.taskId}@${since}`, now);
      }
    }
    return recorded;
  }

  /** executor_offline: an executor marked offline; recovered when it is online again. */
  async #executors(rules: readonly AlertRule[], now: number): Promise<number> {
    const watching = rules.filter((rule) => rule.events.includes('executor_offline'));
    if (watching.length === 0) return 0;
    let recorded = 0;
    for (const executor of await this.#store.executors.list()) {
      const subject = { key: `executor:${executor.id}`, taskId: null, executionId: null, executorId: executor.id };
      for (const rule of watching) {
        if (executor.status === 'offline') recorded += await this.#raise(rule, subject, ['executor_offline'], `${executor.id}@${executor.lastHeartbeat ?? 0}`, now);
        else if (executor.status === 'online') recorded += await this.#recover(rule, subject, `${executor.id}@online@${executor.lastHeartbeat ?? 0}`, now);
      }
    }
    return recorded;
  }

  /**
   * no_leader, judged by any instance (there is no leader to judge it): `lease` is the
   * leader lease as stored, `leaderless` whether this instance has seen no valid lease for
   * longer than a lease TTL. Keyed by when the last lease ran out, which every instance
   * reads alike, so several instances noticing record one alert.
   */
  async leadership(lease: { token: number; expiresAt: number } | null, leaderless: boolean): Promise<number> {
    const now = this.#clock.now();
    const rules = (await this.#store.alerts.rules()).filter((rule) => rule.enabled && rule.channelIds.length > 0 && rule.events.includes('no_leader'));
    const subject = { key: 'cluster', taskId: null, executionId: null, executorId: null };
    let recorded = 0;
    for (const rule of rules) {
      if (leaderless) recorded += await this.#raise(rule, subject, ['no_leader'], `lease@${lease?.expiresAt ?? 0}`, now);
      else if (lease !== null) recorded += await this.#recover(rule, subject, `leader@${lease.token}`, now);
    }
    return recorded;
  }

  #alert(rule: AlertRule, subject: Subject, entry: { event: AlertEvent; channelId: string; key: string }, status: 'pending' | 'suppressed', now: number): NewAlert {
    return {
      id: newId(now),
      dedupeKey: entry.key,
      ruleId: rule.id,
      channelId: entry.channelId,
      event: entry.event,
      taskId: subject.taskId,
      executionId: subject.executionId,
      executorId: subject.executorId,
      status,
    };
  }
}
