// How an execution's place in a series reads, the same in the executions list and on its
// page: "attempt 2 of 4" (of its task's max_retry + 1) and "shard 2 of 3" (shard_index is
// 0-based on the wire; people count from 1).
import type { TFunction } from 'i18next';
import type { Execution } from '../api/types.ts';

export function attemptText(t: TFunction, execution: Pick<Execution, 'attempt' | 'max_attempts'>): string {
  const total = execution.max_attempts;
  // A task whose retries were lowered since: "attempt 5 of 4" would be wrong, say only which.
  return total !== null && total >= execution.attempt ? t('executionPage.attemptOf', { attempt: execution.attempt, total }) : t('executionPage.attempt', { attempt: execution.attempt });
}

export function shardText(t: TFunction, execution: Pick<Execution, 'shard_index' | 'shard_total'>): string | null {
  if (!execution.shard_total) return null;
  return t('executionPage.shardOf', { index: (execution.shard_index ?? 0) + 1, total: execution.shard_total });
}

/** Reasons of a stop the server made: the reason says it all, the executor's error only repeats "stopped". */
const stopReasons = new Set(['replaced']);

export function endedAsAsked(execution: Pick<Execution, 'status' | 'reason'>): boolean {
  return execution.status === 'cancelled' && execution.reason !== null && stopReasons.has(execution.reason);
}
