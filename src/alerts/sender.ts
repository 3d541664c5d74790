// Sends recorded alerts, on the leader (README "Alerts"): claims the due ones for a
// while, writes each in its channel's language, sends it, and records the receiver's
// answer. A failed send is tried again with a growing pause (30 s, 1 min, 2 min, 4 min),
// then given up (`failed`). A claim outlives a sender that died mid-send: after it runs
// out the alert is sent again. That is the only case of a second send (the receiver may
// have got the first); webhooks carry the alert id (X-Cronfleet-Alert) to drop it.
import type { Clock } from '../domain/clock.ts';
import { text, type LocalizedText } from '../protocol/messages/index.ts';
import type { Alert } from '../store/alerts.ts';
import type { Store } from '../store/store.ts';
import type { Resolver } from '../executor/network-policy.ts';
import { openChannelConfig, type Sealer } from './channel-config.ts';
import { sendAlert, type AlertMessage } from './senders.ts';

export interface AlertSenderOptions {
  /** The console's address for links (public_url); null leaves links out. */
  publicUrl: string | null;
  sendTimeoutMs: number;
  resolver?: Resolver;
  /** Each attempt's outcome (the metrics count them, the log says it). */
  onAttempt?(attempt: AlertAttempt): void;
}

const MAX_ATTEMPTS = 5;
const CLAIM_MS = 60_000;
const ERROR_EXCERPT = 300;

/** One delivery attempt, as the metrics and the server's log see it. */
export interface AlertAttempt {
  event: string;
  channel: string;
  outcome: 'sent' | 'retry' | 'failed';
  alertId: string;
  taskId: string | null;
  executionId: string | null;
  executorId: string | null;
  /** The receiver's HTTP status or SMTP code; null when it could not be reached. */
  status: number | null;
}

export class AlertSender {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #secrets: Sealer;
  readonly #options: AlertSenderOptions;

  constructor(store: Store, clock: Clock, secrets: Sealer, options: AlertSenderOptions) {
    this.#store = store;
    this.#clock = clock;
    this.#secrets = secrets;
    this.#options = options;
  }

  /** Sends what is due; returns how many were attempted. */
  async pass(): Promise<number> {
    const due = await this.#store.alerts.claimDue(this.#clock.now(), CLAIM_MS, 50);
    for (const alert of due) await this.#send(alert);
    return due.length;
  }

  async #send(alert: Alert): Promise<void> {
    const channel = await this.#store.alertChannels.get(alert.channelId);
    const now = () => this.#clock.now();
    if (!channel) {
      await this.#store.alerts.recordAttempt(alert.id, { ok: false, status: null, response: 'the channel was deleted', retryAt: null }, now());
      return;
    }
    const message = await this.#compose(alert, channel.locale);
    const outcome = await sendAlert(channel.type, openChannelConfig(channel.config, this.#secrets), message, {
      timeoutMs: this.#options.sendTimeoutMs,
      now,
      ...(this.#options.resolver ? { resolver: this.#options.resolver } : {}),
    });
    const attempts = alert.attempts + 1;
    const retryAt = outcome.ok || attempts >= MAX_ATTEMPTS ? null : now() + 30_000 * 2 ** (attempts - 1);
    await this.#store.alerts.recordAttempt(alert.id, { ...outcome, retryAt }, now());
    this.#options.onAttempt?.({
      event: alert.event,
      channel: channel.name,
      outcome: outcome.ok ? 'sent' : retryAt === null ? 'failed' : 'retry',
      alertId: alert.id,
      taskId: alert.taskId,
      executionId: alert.executionId,
      executorId: alert.executorId,
      status: outcome.status,
    });
  }

  /** The message, in the channel's language: a title naming the problem, the facts, a link. */
  async #compose(alert: Alert, locale: 'en' | 'zh-CN'): Promise<AlertMessage> {
    const [rule, task, execution, executor] = await Promise.all([
      this.#store.alerts.rule(alert.ruleId),
      alert.taskId ? this.#store.tasks.getIncludingDeleted(alert.taskId) : null,
      alert.executionId ? this.#store.executions.get(alert.executionId) : null,
      alert.executorId ? this.#store.executors.get(alert.executorId) : null,
    ]);
    const taskName = task?.name ?? alert.taskId ?? '';
    const words = (message: LocalizedText) => message.in(locale);
    const title = words(titleOf(alert, taskName, executor?.name ?? alert.executorId ?? '', rule?.consecutiveFailures ?? 0, rule?.noSuccessSeconds ?? 0));
    const lines: string[] = [];
    if (rule) lines.push(words(text('alert.lineRule', { rule: rule.name })));
    if (execution) {
      lines.push(words(text('alert.lineStatus', { status: execution.status })));
      if (execution.error) lines.push(words(text('alert.lineError', { error: excerpt(execution.error) })));
      lines.push(words(text('alert.lineScheduled', { at: new Date(execution.scheduledTime).toISOString() })));
      if (execution.endTime !== null) lines.push(words(text('alert.lineEnded', { at: new Date(execution.endTime).toISOString() })));
    }
    const base = this.#options.publicUrl?.replace(/\/+$/, '') ?? null;
    const link = base === null ? null : alert.executionId ? `${base}/executions/${alert.executionId}` : alert.taskId ? `${base}/tasks/${alert.taskId}` : alert.executorId ? `${base}/executors/${alert.executorId}` : null;
    return {
      channelId: alert.channelId,
      alertId: alert.id,
      title,
      body: lines.join('\n'),
      link,
      data: {
        event: alert.event,
        alert_id: alert.id,
        rule: rule ? { id: rule.id, name: rule.name } : null,
        task: task ? { id: task.id, name: task.name } : null,
        execution: execution
          ? {
              id: execution.id,
              status: execution.status,
              error: execution.error,
              scheduled_time: new Date(execution.scheduledTime).toISOString(),
              end_time: execution.endTime === null ? null : new Date(execution.endTime).toISOString(),
            }
          : null,
        executor: executor ? { id: executor.id, name: executor.name } : null,
        created_at: new Date(alert.createdAt).toISOString(),
      },
    };
  }
}

function titleOf(alert: Alert, task: string, executor: string, streak: number, silentSeconds: number): LocalizedText {
  switch (alert.event) {
    case 'failed':
      return text('alert.titleFailed', { task });
    case 'timeout':
      return text('alert.titleTimeout', { task });
    case 'executor_lost':
      return text('alert.titleExecutorLost', { task });
    case 'no_executor':
      return text('alert.titleNoExecutor', { task });
    case 'misfire':
      return text('alert.titleMisfire', { task });
    case 'recovered':
      if (alert.executorId) return text('alert.titleExecutorBack', { executor });
      return alert.taskId ? text('alert.titleRecovered', { task }) : text('alert.titleLeaderBack');
    case 'consecutive_failures':
      return text('alert.titleConsecutive', { task, count: streak });
    case 'no_success':
      return text('alert.titleNoSuccess', { task, minutes: Math.round(silentSeconds / 60) });
    case 'executor_offline':
      return text('alert.titleExecutorOffline', { executor });
    case 'no_leader':
      return text('alert.titleNoLeader');
  }
}

function excerpt(error: string): string {
  return error.length > ERROR_EXCERPT ? `${error.slice(0, ERROR_EXCERPT)}…` : error;
}
