// Executions and their state machine:
//
//   pending ──dispatch──▶ running ──▶ success | failed | timeout | cancelled
//      │                     
//      └──────────────▶ skipped | cancelled   (never dispatched)
//
// Terminal states never change again; every store transition is guarded on the
// current state, so a late report cannot resurrect a finished execution.

import { executionStatuses, executionTriggers, type ExecutionStatus, type ExecutionTrigger } from '../protocol/enums.ts';

export { executionStatuses, executionTriggers };
export type { ExecutionStatus, ExecutionTrigger };
export const terminalStatuses: readonly ExecutionStatus[] = ['success', 'failed', 'timeout', 'skipped', 'cancelled'];
export const activeStatuses: readonly ExecutionStatus[] = ['pending', 'running'];


export type FinishStatus = 'success' | 'failed' | 'timeout' | 'cancelled';

export interface Execution {
  id: string;
  taskId: string;
  taskName: string;
  taskVersion: number;
  trigger: ExecutionTrigger;
  scheduledTime: number;
  parameters: Record<string, unknown>;
  status: ExecutionStatus;
  executorId: string | null;
  attempt: number;
  retryOf: string | null;
  /** Earliest dispatch time (retry backoff); null = at once. */
  runAt: number | null;
  startTime: number | null;
  endTime: number | null;
  exitCode: number | null;
  result: unknown;
  error: string | null;
  /** Why a pending execution waits, or why it ended as it did (e.g. executor_lost). */
  reason: string | null;
  /** Broadcast runs: which shard of how many this execution is. */
  shardIndex: number | null;
  shardTotal: number | null;
  /** Broadcast: the execution this one was split from. */
  parentId: string | null;
  createdAt: number;
}

export function isTerminal(status: ExecutionStatus): boolean {
  return terminalStatuses.includes(status);
}

/** Failures that a retry can help with; a stop by a person is final. */
export function isRetryable(status: ExecutionStatus): boolean {
  return status === 'failed' || status === 'timeout';
}
