// Execution rows written straight to the database (through rawDatabase), for tests that
// need history at known times: statistics, the health chart.
import type { ExecutionStatus } from '../../src/domain/execution.ts';
import type { ExecutionsTable } from '../../src/store/schema.ts';

let sequence = 0;

/** A scheduled execution due at `scheduled`; with `durationMs`, it started 100 ms later and ran that long (unless still running). */
export function executionRow(taskId: string, status: ExecutionStatus, scheduled: number, durationMs?: number): ExecutionsTable {
  const start = durationMs === undefined ? null : scheduled + 100;
  sequence += 1;
  return {
    id: `row-${String(sequence).padStart(6, '0')}`,
    task_id: taskId,
    task_version: 1,
    trigger: 'schedule',
    scheduled_time: scheduled,
    fire_time: scheduled,
    parameters: '{}',
    status,
    executor_id: null,
    attempt: 1,
    retry_of: null,
    run_at: null,
    start_time: start,
    end_time: start !== null && status !== 'running' ? start + durationMs! : null,
    deadline_at: null,
    exit_code: null,
    result: null,
    error: null,
    reason: null,
    log_bytes: 0,
    shard_index: null,
    shard_total: null,
    parent_id: null,
    delivered_at: null,
    stop_requested: null,
    stop_delivered_at: null,
    log_expired: 0,
    created_at: scheduled,
    updated_at: scheduled,
  };
}
