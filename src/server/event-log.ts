// What an operator reads in the server's log at `info`: leadership won and lost,
// executors connecting and disconnecting, executions that failed, timed out or were
// lost, and fires recorded as skipped, each with the ids to look them up. Debug has the
// rest (every execution that ended).
import type { Logger } from 'pino';
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
