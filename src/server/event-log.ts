// What an operator reads in the server's log at `info`: leadership won and lost,
// executors connecting, disconnecting and judged lost, executions that failed, timed out
// or were lost, fires recorded as skipped, and alerts sent or not, each with the ids to
// look them up. Debug has the
// rest (every execution that ended).
import type { Logger } from 'pino';
import type { AlertAttempt } from '../alerts/sender.ts';
import type { TypedEmitter } from '../dispatch/events.ts';
import type { SchedulerEvents } from '../scheduler/scheduler.ts';

const troubled = new Set(['failed', 'timeout', 'lost']);

/** Subscribes the log to the events; returns the unsubscribe. */
export function logEvents(events: TypedEmitter<SchedulerEvents>, logger: Logger, instanceId: string): () => void {
  const offs = [
    events.on('leader.elected', ({ token }) => logger.info({ instance: instanceId, token }, 'leader lease acquired: this instance fires and dispatches')),
    events.on('leader.deposed', () => logger.warn({ instance: instanceId }, 'leader lease lost: this instance stops firing and dispatching')),
    events.on('executor.connected', ({ executorId }) => logger.info({ executor: executorId }, 'executor connected')),
    events.on('executor.disconnected', ({ executorId }) => logger.info({ executor: executorId }, 'executor disconnected')),
    events.on('executor.lost', ({ executorId, name, runs }) =>
      logger.warn({ executor: executorId, name, running: runs }, 'executor lost: no heartbeat within the loss window; its running executions fail as executor_lost'),
    ),
    events.on('execution.finished', ({ executionId, taskName, status, executorId, attempt, retryId }) => {
      const fields = { execution: executionId, task: taskName, status, executor: executorId, attempt, ...(retryId ? { retry: retryId } : {}) };
      if (troubled.has(status)) logger.warn(fields, `execution ${status}`);
      else logger.debug(fields, `execution ${status}`);
    }),
    events.on('fired', ({ tasks }) => {
      for (const task of tasks) {
        if (task.skipped.length > 0) logger.info({ task: task.taskId, skipped: task.skipped }, 'fires recorded as skipped (misfire or overlap)');
      }
    }),
  ];
  return () => offs.forEach((off) => off());
}

/** An alert delivery attempt: sent at info, a retry or a give-up at warn. */
export function logAlertAttempt(logger: Logger, attempt: AlertAttempt): void {
  const fields = { alert: attempt.alertId, event: attempt.event, channel: attempt.channel, task: attempt.taskId, execution: attempt.executionId, executor: attempt.executorId, status: attempt.status };
  if (attempt.outcome === 'sent') logger.info(fields, 'alert sent');
  else if (attempt.outcome === 'retry') logger.warn(fields, 'alert not delivered: trying again later');
  else logger.warn(fields, 'alert not delivered: given up after the last attempt');
}
