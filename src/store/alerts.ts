// Alert rules, the alerts they raise and the problems they track (migration 018). An
// alert row is written before it is sent; the leader's sender claims due rows, sends,
// and records the receiver's answer. `dedupe_key` is unique: the same problem recorded
// twice (an evaluation repeated after a crash or a failover) is one alert.
import type { Kysely } from 'kysely';
import type { AlertEvent, AlertStatus } from '../protocol/enums.ts';
import type { DialectInfo } from './dialect.ts';
import { fromJson, toJson, toNullableNumber, toNumber } from './json.ts';
import type { Database } from './schema.ts';

interface AlertRulesTable {
  id: string;
  name: string;
  enabled: number;
  events: string;
  task_ids: string;
  tags: string;
  channel_ids: string;
  consecutive_failures: number | null;
  no_success_seconds: number | null;
  throttle_seconds: number;
  muted_until: number | null;
  created_at: number;
  updated_at: number;
}

interface AlertsTable {
  id: string;
  dedupe_key: string;
  rule_id: string;
  channel_id: string;
  event: string;
  task_id: string | null;
  execution_id: string | null;
  executor_id: string | null;
  status: string;
  attempts: number;
  next_attempt_at: number;
  claimed_until: number | null;
  response_status: number | null;
  response: string | null;
  created_at: number;
  sent_at: number | null;
}

interface AlertProblemsTable {
  rule_id: string;
  subject: string;
  opened_at: number | null;
  last_alert_at: number | null;
}

type WithAlerts = Database & { alert_rules: AlertRulesTable; alerts: AlertsTable; alert_problems: AlertProblemsTable };

export interface AlertRule {
  id: string;
  name: string;
  enabled: boolean;
  events: AlertEvent[];
  taskIds: string[];
  tags: string[];
  channelIds: string[];
  consecutiveFailures: number | null;
  noSuccessSeconds: number | null;
  throttleSeconds: number;
  mutedUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

export type RuleFields = Omit<AlertRule, 'id' | 'createdAt' | 'updatedAt'>;

export interface Alert {
  id: string;
  ruleId: string;
  channelId: string;
  event: AlertEvent;
  taskId: string | null;
  executionId: string | null;
  executorId: string | null;
  status: AlertStatus;
  attempts: number;
  nextAttemptAt: number;
  responseStatus: number | null;
  response: string | null;
  createdAt: number;
  sentAt: number | null;
}

/** An alert as the history shows it: with the names of what it is about. */
export type NamedAlert = Alert & { taskName: string | null; executorName: string | null };

export type NewAlert = Pick<Alert, 'id' | 'ruleId' | 'channelId' | 'event' | 'taskId' | 'executionId' | 'executorId' | 'status'> & { dedupeKey: string };

export interface Problem {
  openedAt: number | null;
  lastAlertAt: number | null;
}

export interface AlertQuery {
  ruleId?: string;
  taskId?: string;
  status?: AlertStatus;
  page: number;
  pageSize: number;
}

/** The settings row holding how far the evaluator has read finished executions. */
const CURSOR_SETTING = 'alerts_cursor';

export class AlertRepository {
  readonly #db: Kysely<WithAlerts>;
  readonly #dialect: DialectInfo;

  constructor(db: Kysely<Database>, dialect: DialectInfo) {
    this.#db = db.withTables<{ alert_rules: AlertRulesTable; alerts: AlertsTable; alert_problems: AlertProblemsTable }>();
    this.#dialect = dialect;
  }

  // Rules --------------------------------------------------------------------------------

  async rules(): Promise<AlertRule[]> {
    return (await this.#db.selectFrom('alert_rules').selectAll().orderBy('name').orderBy('id').execute()).map(rowToRule);
  }

  async rule(id: string): Promise<AlertRule | null> {
    const row = await this.#db.selectFrom('alert_rules').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToRule(row) : null;
  }

  async insertRule(id: string, fields: RuleFields, now: number): Promise<AlertRule> {
    await this.#db
      .insertInto('alert_rules')
      .values({ id, ...ruleColumns(fields), created_at: now, updated_at: now })
      .execute();
    return (await this.rule(id))!;
  }

  async updateRule(id: string, fields: RuleFields, now: number): Promise<AlertRule | null> {
    const result = await this.#db
      .updateTable('alert_rules')
      .set({ ...ruleColumns(fields), updated_at: now })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0 ? this.rule(id) : null;
  }

  /** Deletes a rule and its open problems; its alerts stay in the history. */
  async deleteRule(id: string): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('alert_problems').where('rule_id', '=', id).execute();
      const result = await trx.deleteFrom('alert_rules').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    });
  }

  // Evaluation ----------------------------------------------------------------------------

  async cursor(): Promise<number | null> {
    const row = await this.#db.selectFrom('settings').select('value').where('name', '=', CURSOR_SETTING).executeTakeFirst();
    return row ? Number(row.value) : null;
  }

  async setCursor(at: number, now: number): Promise<void> {
    const updated = await this.#db
      .updateTable('settings')
      .set({ value: String(at), updated_at: now })
      .where('name', '=', CURSOR_SETTING)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) return;
    const insert = this.#db.insertInto('settings').values({ name: CURSOR_SETTING, value: String(at), updated_at: now });
    await (this.#dialect.ignoreConflicts(insert as never) as unknown as typeof insert).execute();
  }

  /** Of these dedupe keys, the ones already recorded. */
  async recordedKeys(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows = await this.#db
      .selectFrom('alerts')
      .select('dedupe_key')
      .where('dedupe_key', 'in', [...keys])
      .execute();
    return new Set(rows.map((row) => row.dedupe_key));
  }

  async problem(ruleId: string, subject: string): Promise<Problem> {
    const row = await this.#db.selectFrom('alert_problems').selectAll().where('rule_id', '=', ruleId).where('subject', '=', subject).executeTakeFirst();
    return { openedAt: toNullableNumber(row?.opened_at ?? null), lastAlertAt: toNullableNumber(row?.last_alert_at ?? null) };
  }

  /**
   * Records the alerts of one decision and the problem's new state, together: alerts
   * whose key is already recorded are skipped (and then so is the state change).
   * Returns how many alerts were new.
   */
  async record(alerts: readonly NewAlert[], problem: { ruleId: string; subject: string; state: Problem } | null, now: number): Promise<number> {
    return this.#db.transaction().execute(async (trx) => {
      let inserted = 0;
      for (const alert of alerts) {
        const insert = trx.insertInto('alerts').values({
          id: alert.id,
          dedupe_key: alert.dedupeKey,
          rule_id: alert.ruleId,
          channel_id: alert.channelId,
          event: alert.event,
          task_id: alert.taskId,
          execution_id: alert.executionId,
          executor_id: alert.executorId,
          status: alert.status,
          attempts: 0,
          // Due at once, whatever this instance's clock says next to the sender's.
          next_attempt_at: 0,
          claimed_until: null,
          response_status: null,
          response: null,
          created_at: now,
          sent_at: null,
        });
        const result = await (this.#dialect.ignoreConflicts(insert as never) as unknown as typeof insert).executeTakeFirst();
        inserted += Number(result.numInsertedOrUpdatedRows ?? 0) > 0 ? 1 : 0;
      }
      if (problem !== null && (inserted > 0 || alerts.length === 0)) {
        const values = { opened_at: problem.state.openedAt, last_alert_at: problem.state.lastAlertAt };
        const updated = await trx.updateTable('alert_problems').set(values).where('rule_id', '=', problem.ruleId).where('subject', '=', problem.subject).executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) {
          const insert = trx.insertInto('alert_problems').values({ rule_id: problem.ruleId, subject: problem.subject, ...values });
          await (this.#dialect.ignoreConflicts(insert as never) as unknown as typeof insert).execute();
        }
      }
      return inserted;
    });
  }

  // Delivery ------------------------------------------------------------------------------

  /**
   * Claims up to `limit` alerts due now (pending, or claimed by a sender whose claim ran
   * out: it died before recording the answer) for `claimMs`; returns them.
   */
  async claimDue(now: number, claimMs: number, limit: number): Promise<Alert[]> {
    const due = await this.#db
      .selectFrom('alerts')
      .selectAll()
      .where((eb) => eb.or([eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]), eb.and([eb('status', '=', 'sending'), eb('claimed_until', '<', now)])]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    const claimed: Alert[] = [];
    for (const row of due) {
      const result = await this.#db
        .updateTable('alerts')
        .set({ status: 'sending', claimed_until: now + claimMs })
        .where('id', '=', row.id)
        .where('status', '=', row.status)
        .where((eb) => (row.claimed_until === null ? eb('claimed_until', 'is', null) : eb('claimed_until', '=', row.claimed_until)))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) > 0) claimed.push(rowToAlert({ ...row, status: 'sending' }));
    }
    return claimed;
  }

  /** The answer to one attempt: sent, or failed (tried again at `retryAt`, or given up when null). */
  async recordAttempt(id: string, outcome: { ok: boolean; status: number | null; response: string; retryAt: number | null }, now: number): Promise<void> {
    const status: AlertStatus = outcome.ok ? 'sent' : outcome.retryAt === null ? 'failed' : 'pending';
    await this.#db
      .updateTable('alerts')
      .set((eb) => ({
        status,
        attempts: eb('attempts', '+', 1),
        claimed_until: null,
        response_status: outcome.status,
        response: outcome.response,
        next_attempt_at: outcome.retryAt ?? now,
        sent_at: outcome.ok ? now : null,
      }))
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .execute();
  }

  /** A page of the history, newest first, each with its task's and executor's names (also of deleted tasks). */
  async list(query: AlertQuery): Promise<{ items: NamedAlert[]; total: number }> {
    let base = this.#db.selectFrom('alerts');
    if (query.ruleId) base = base.where('rule_id', '=', query.ruleId);
    if (query.taskId) base = base.where('task_id', '=', query.taskId);
    if (query.status) base = base.where('status', '=', query.status);
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.pageSize)
        .offset((query.page - 1) * query.pageSize)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirst(),
    ]);
    const taskIds = [...new Set(rows.flatMap((row) => (row.task_id ? [row.task_id] : [])))];
    const executorIds = [...new Set(rows.flatMap((row) => (row.executor_id ? [row.executor_id] : [])))];
    const [tasks, executors] = await Promise.all([
      taskIds.length > 0 ? this.#db.selectFrom('tasks').select(['id', 'name']).where('id', 'in', taskIds).execute() : [],
      executorIds.length > 0 ? this.#db.selectFrom('executors').select(['id', 'name']).where('id', 'in', executorIds).execute() : [],
    ]);
    const taskNames = new Map(tasks.map((task) => [task.id, task.name]));
    const executorNames = new Map(executors.map((executor) => [executor.id, executor.name]));
    const items = rows.map((row) => ({
      ...rowToAlert(row),
      taskName: row.task_id ? (taskNames.get(row.task_id) ?? null) : null,
      executorName: row.executor_id ? (executorNames.get(row.executor_id) ?? null) : null,
    }));
    return { items, total: toNumber(count?.total ?? 0) };
  }

  /** Finished executions changed in [from, to], oldest change first: what the evaluator reads. */
  async finishedBetween(from: number, to: number, limit: number): Promise<Array<{ id: string; taskId: string; status: string; reason: string | null; scheduledTime: number; updatedAt: number; endTime: number | null }>> {
    const rows = await this.#db
      .selectFrom('executions')
      .select(['id', 'task_id', 'status', 'reason', 'scheduled_time', 'updated_at', 'end_time'])
      .where('updated_at', '>=', from)
      .where('updated_at', '<=', to)
      .where('status', 'in', ['success', 'failed', 'timeout', 'lost', 'skipped'])
      .where('parent_id', 'is', null)
      .orderBy('updated_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      taskId: row.task_id,
      status: row.status,
      reason: row.reason,
      scheduledTime: toNumber(row.scheduled_time),
      updatedAt: toNumber(row.updated_at),
      endTime: toNullableNumber(row.end_time),
    }));
  }

  /** The latest `count` outcomes (success, failed, timeout, lost) of a task up to and including `execution`, newest first. */
  async latestOutcomes(taskId: string, count: number, execution: { id: string; scheduledTime: number }): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('executions')
      .select('status')
      .where('task_id', '=', taskId)
      .where('status', 'in', ['success', 'failed', 'timeout', 'lost'])
      .where('parent_id', 'is', null)
      .where((eb) => eb.or([eb('scheduled_time', '<', execution.scheduledTime), eb.and([eb('scheduled_time', '=', execution.scheduledTime), eb('id', '<=', execution.id)])]))
      .orderBy('scheduled_time', 'desc')
      .orderBy('id', 'desc')
      .limit(count)
      .execute();
    return rows.map((row) => row.status);
  }

  /** Open problems (alerts sent and not yet recovered), newest first: the dashboard's. */
  async openProblems(limit: number): Promise<Array<{ ruleId: string; subject: string; openedAt: number }>> {
    const rows = await this.#db.selectFrom('alert_problems').selectAll().where('opened_at', 'is not', null).orderBy('opened_at', 'desc').limit(limit).execute();
    return rows.map((row) => ({ ruleId: row.rule_id, subject: row.subject, openedAt: toNumber(row.opened_at) }));
  }
}

function ruleColumns(fields: RuleFields) {
  return {
    name: fields.name,
    enabled: fields.enabled ? 1 : 0,
    events: toJson(fields.events),
    task_ids: toJson(fields.taskIds),
    tags: toJson(fields.tags),
    channel_ids: toJson(fields.channelIds),
    consecutive_failures: fields.consecutiveFailures,
    no_success_seconds: fields.noSuccessSeconds,
    throttle_seconds: fields.throttleSeconds,
    muted_until: fields.mutedUntil,
  };
}

function rowToRule(row: AlertRulesTable): AlertRule {
  return {
    id: row.id,
    name: row.name,
    enabled: toNumber(row.enabled) === 1,
    events: fromJson<AlertEvent[]>(row.events, []),
    taskIds: fromJson<string[]>(row.task_ids, []),
    tags: fromJson<string[]>(row.tags, []),
    channelIds: fromJson<string[]>(row.channel_ids, []),
    consecutiveFailures: toNullableNumber(row.consecutive_failures),
    noSuccessSeconds: toNullableNumber(row.no_success_seconds),
    throttleSeconds: toNumber(row.throttle_seconds),
    mutedUntil: toNullableNumber(row.muted_until),
    createdAt: toNumber(row.created_at),
    updatedAt: toNumber(row.updated_at),
  };
}

function rowToAlert(row: AlertsTable): Alert {
  return {
    id: row.id,
    ruleId: row.rule_id,
    channelId: row.channel_id,
    event: row.event as AlertEvent,
    taskId: row.task_id,
    executionId: row.execution_id,
    executorId: row.executor_id,
    status: row.status as AlertStatus,
    attempts: toNumber(row.attempts),
    nextAttemptAt: toNumber(row.next_attempt_at),
    responseStatus: toNullableNumber(row.response_status),
    response: row.response,
    createdAt: toNumber(row.created_at),
    sentAt: toNullableNumber(row.sent_at),
  };
}
