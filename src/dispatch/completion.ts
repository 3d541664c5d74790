// Finishing an execution, and the retry that may follow. The guarded finish makes this
// idempotent: only the caller that moved the execution to a terminal state schedules
// the retry, so a report delivered twice never retries twice.
import type { Clock } from '../domain/clock.ts';
import { isRetryable, type FinishStatus } from '../domain/execution.ts';
import { newId } from '../domain/ids.ts';
import { retryDelayMs } from '../domain/retry.ts';
import type { FinishFields } from '../store/executions.ts';
import type { Store } from '../store/store.ts';
import type { DispatchEvents, TypedEmitter } from './events.ts';

export interface CompletionDeps {
  store: Store;
  clock: Clock;
  events: TypedEmitter<DispatchEvents>;
  /** Called after a retry was scheduled or capacity freed up. */
  wake(): void;
  /** Runs routed but not delivered wait for this instance's delivery loop. */
  redeliver?: () => void;
  random?: () => number;
}

export async function completeExecution(deps: CompletionDeps, executionId: string, status: FinishStatus, fields: FinishFields): Promise<boolean> {
  const now = deps.clock.now();
  const finished = await deps.store.executions.finish(executionId, status, fields, now);
  if (!finished) return false;
  const execution = await deps.store.executions.get(executionId);
  if (!execution) return true;
  deps.events.emit('execution.finished', { executionId, taskId: execution.taskId, status });
  if (isRetryable(status)) {
    const task = await deps.store.tasks.getIncludingDeleted(execution.taskId);
    if (task && task.status !== 'deleted' && execution.attempt <= task.maxRetry) {
      const delay = retryDelayMs({ baseSeconds: task.retryBackoffSeconds, maxSeconds: task.retryBackoffMaxSeconds }, execution.attempt, deps.random);
      await deps.store.executions.insert(
        [
          {
            id: newId(),
            taskId: task.id,
            taskVersion: task.version,
            trigger: 'retry',
            scheduledTime: execution.scheduledTime,
            fireTime: null,
            parameters: execution.parameters,
            status: 'pending',
            attempt: execution.attempt + 1,
            retryOf: execution.retryOf ?? execution.id,
            runAt: now + delay,
            reason: `retry ${execution.attempt} of ${task.maxRetry} after ${status}`,
            // A broadcast shard's retry is the same shard, on any eligible executor.
            shardIndex: execution.shardIndex,
            shardTotal: execution.shardTotal,
            parentId: execution.parentId,
          },
        ],
        now,
      );
    }
  }
  deps.wake();
  return true;
}
