// Retry backoff: exponential with full jitter on the upper half, so a burst of failures
// does not retry in lockstep: delay = base * 2^(attempt-1), capped, then 50–100% of it.
import { isRetryable, newExecution, type Execution, type FinishStatus, type NewExecution } from './execution.ts';
import type { Task } from './task.ts';

export interface BackoffPolicy {
  baseSeconds: number;
  maxSeconds: number;
}

export function retryDelayMs(policy: BackoffPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, failedAttempt - 1);
  const ceiling = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** exponent) * 1000;
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * The retry that follows a finished execution, if any: a failure or timeout of a task
 * that still exists and has attempts left (attempt counts from 1; `maxRetry` retries
 * follow the first). The retry is a new pending execution linked to the first attempt,
 * not before its backoff; a broadcast shard's retry is the same shard, on any eligible
 * executor. A stop by a person (cancelled) is final.
 */
export function retryAfter(
  finished: Execution,
  status: FinishStatus,
  task: Pick<Task, 'id' | 'version' | 'status' | 'maxRetry' | 'retryBackoffSeconds' | 'retryBackoffMaxSeconds'> | null,
  now: number,
  random: () => number = Math.random,
): NewExecution | null {
  if (!isRetryable(status) || !task || task.status === 'deleted' || finished.attempt > task.maxRetry) return null;
  const delay = retryDelayMs({ baseSeconds: task.retryBackoffSeconds, maxSeconds: task.retryBackoffMaxSeconds }, finished.attempt, random);
  return newExecution({
    taskId: task.id,
    taskVersion: task.version,
    trigger: 'retry',
    scheduledTime: finished.scheduledTime,
    parameters: finished.parameters,
    attempt: finished.attempt + 1,
    retryOf: finished.retryOf ?? finished.id,
    runAt: now + delay,
    reason: `retry ${finished.attempt} of ${task.maxRetry} after ${status}`,
    shardIndex: finished.shardIndex,
    shardTotal: finished.shardTotal,
    parentId: finished.parentId,
    workflowRunId: finished.workflowRunId,
    workflowStep: finished.workflowStep,
  });
}
