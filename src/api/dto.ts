// Domain objects to the wire (snake_case, ISO instants), never raw database rows.
import type { Execution } from '../domain/execution.ts';
import { definitionToWire, type Task } from '../domain/task.ts';
import type { Executor } from '../store/executors.ts';
import type { LogChunk } from '../store/logs.ts';

export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function taskToWire(task: Task): Record<string, unknown> {
  return {
    id: task.id,
    ...definitionToWire(task),
    status: task.status,
    next_fire_at: iso(task.nextFireAt),
    last_fire_at: iso(task.lastFireAt),
    version: task.version,
    created_at: iso(task.createdAt),
    updated_at: iso(task.updatedAt),
  };
}

export function executionToWire(execution: Execution): Record<string, unknown> {
  return {
    id: execution.id,
    task_id: execution.taskId,
    task_name: execution.taskName,
    task_version: execution.taskVersion,
    trigger: execution.trigger,
    scheduled_time: iso(execution.scheduledTime),
    parameters: execution.parameters,
    status: execution.status,
    executor_id: execution.executorId,
    attempt: execution.attempt,
    retry_count: execution.attempt - 1,
    retry_of: execution.retryOf,
    run_at: iso(execution.runAt),
    start_time: iso(execution.startTime),
    end_time: iso(execution.endTime),
    duration_ms: execution.startTime !== null && execution.endTime !== null ? execution.endTime - execution.startTime : null,
    exit_code: execution.exitCode,
    result: execution.result,
    error: execution.error,
    reason: execution.reason,
    shard_index: execution.shardIndex,
    shard_total: execution.shardTotal,
    parent_id: execution.parentId,
    created_at: iso(execution.createdAt),
  };
}

export function executorToWire(executor: Executor, running: number, now: number): Record<string, unknown> {
  return {
    id: executor.id,
    name: executor.name,
    instance_id: executor.instanceId,
    kind: executor.kind,
    base_url: executor.baseUrl,
    health_check_url: executor.healthCheckUrl,
    labels: executor.labels,
    capacity: executor.capacity,
    running,
    runners: executor.runners,
    status: executor.status,
    is_healthy: executor.isHealthy,
    last_heartbeat: iso(executor.lastHeartbeat),
    heartbeat_age_ms: executor.lastHeartbeat === null ? null : Math.max(0, now - executor.lastHeartbeat),
    last_health_check: iso(executor.lastHealthCheck),
    health_check_failures: executor.healthCheckFailures,
    version: executor.version,
    metadata: executor.metadata,
  };
}

export function logChunkToWire(chunk: LogChunk): Record<string, unknown> {
  return { seq: chunk.seq, stream: chunk.stream, chunk: chunk.chunk, time: iso(chunk.createdAt) };
}
