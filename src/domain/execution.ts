// Executions and their state machine:
//
//   pending ──dispatch──▶ running ──▶ success | failed | timeout | cancelled
//      │
//      └──────────────▶ skipped | cancelled   (never dispatched)
//
// Terminal states never change again; every store transition is guarded on the
// current state, so a late report cannot resurrect a finished execution.

import { executionStatuses, type ExecutionStatus, type ExecutionTrigger } from '../protocol/enums.ts';
import type { LocalizedText } from '../protocol/messages/index.ts';
import { newId } from './ids.ts';

export { executionStatuses };
export type { ExecutionStatus, ExecutionTrigger };
export const terminalStatuses: readonly ExecutionStatus[] = ['success', 'failed', 'timeout', 'skipped', 'cancelled'];

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
  /** The message `error` was worded from, when the server or a cronfleet agent made it: worded per request's language. */
  errorDetail: LocalizedText | null;
  /** Why a pending execution waits, or why it ended as it did (e.g. executor_lost). */
  reason: string | null;
  /** The message a waiting execution's `reason` was worded from (no_executor's why, say); null for a reason code. */
  reasonDetail: LocalizedText | null;
  /** Broadcast runs: which shard of how many this execution is. */
  shardIndex: number | null;
  shardTotal: number | null;
  /** Broadcast: the execution this one was split from. */
  parentId: string | null;
  /** Retention deleted its log chunks (log_retention_days); the row itself stays. */
  logExpired: boolean;
  /** The workflow run and step it belongs to (issue 19); null outside workflows. */
  workflowRunId: string | null;
  workflowStep: string | null;
  createdAt: number;
}

/** An execution about to be recorded: pending, or born terminal (a skipped fire). */
export interface NewExecution {
  id: string;
  taskId: string;
  taskVersion: number;
  trigger: ExecutionTrigger;
  scheduledTime: number;
  /** Set for schedule fires only: the ledger key. */
  fireTime: number | null;
  parameters: Record<string, unknown>;
  status: 'pending' | 'skipped' | 'cancelled';
  attempt: number;
  retryOf: string | null;
  runAt: number | null;
  reason: string | null;
  /** Broadcast runs: this execution's shard of `shardTotal`. */
  shardIndex: number | null;
  shardTotal: number | null;
  /** Pre-assigned executor: a broadcast sibling runs only there. */
  executorId: string | null;
  parentId: string | null;
  /** The workflow run and step it belongs to (a step's retries keep them). */
  workflowRunId?: string | null;
  workflowStep?: string | null;
  /** The message `reason` was worded from (a skipped step's why), worded per request's language. */
  reasonDetail?: LocalizedText | null;
}

/** What every new execution must say; the rest defaults to a first, unsharded, immediate attempt. */
export type NewExecutionFields = Pick<NewExecution, 'taskId' | 'taskVersion' | 'trigger' | 'scheduledTime' | 'parameters'> & Partial<NewExecution>;

/**
 * The one way to build an execution record: a first attempt, pending, not before now,
 * unless `fields` say otherwise. The id is a new time-sortable one (the dispatcher takes
 * pending executions in id order), unless given.
 */
export function newExecution(fields: NewExecutionFields): NewExecution {
  return {
    fireTime: null,
    status: 'pending',
    attempt: 1,
    retryOf: null,
    runAt: null,
    reason: null,
    shardIndex: null,
    shardTotal: null,
    executorId: null,
    parentId: null,
    ...fields,
    id: fields.id ?? newId(),
  };
}

export function isTerminal(status: ExecutionStatus): boolean {
  return terminalStatuses.includes(status);
}

/** Failures that a retry can help with; a stop by a person is final. */
export function isRetryable(status: ExecutionStatus): boolean {
  return status === 'failed' || status === 'timeout';
}
