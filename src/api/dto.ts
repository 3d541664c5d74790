// Domain objects to the wire (snake_case, ISO instants), never raw database rows.
// Secrets never leave here: a task's show as SECRET_PLACEHOLDER, and their values are
// masked in what an execution reports (result, error, reason).
import type { Execution } from '../domain/execution.ts';
import { definitionToWire, type Task } from '../domain/task.ts';
import { LATEST_INSTANT } from '../domain/schedule.ts';
import { SECRET_PLACEHOLDER, mapSecrets, maskSecretJson, maskSecretText, sealedParameters, sealedSecrets, withSecrets } from '../domain/secrets.ts';
import { text, type MessageLocale } from '../protocol/messages/index.ts';
import type { ExecutionResponse, ExecutorResponse, LogLineResponse, TaskResponse } from '../protocol/rest-responses.ts';
import type { SecretMasker } from '../store/secret-masker.ts';
import type { Store } from '../store/store.ts';
import type { Executor } from '../store/executors.ts';
import type { LogChunk } from '../store/logs.ts';

/** An instant as ISO 8601; null for none, and for a number no Date can hold (never a throw). */
export function iso(ms: number | null): string | null {
  return ms === null || !representable(ms) ? null : new Date(ms).toISOString();
}

function representable(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
}

/**
 * A task on the wire. Never throws: a stored row this version cannot read (written by an
 * older one, say a fire cursor past year 9999) is listed with what can be shown and an
 * `error` saying what is wrong, so one bad row cannot take down the task list.
 */
export function taskToWire(task: Task, locale: MessageLocale = 'en'): TaskResponse {
  try {
    const bad = [
      ['next_fire_at', task.nextFireAt],
      ['last_fire_at', task.lastFireAt],
      ['created_at', task.createdAt],
      ['updated_at', task.updatedAt],
    ].find(([, ms]) => ms !== null && !(representable(ms as number) && (ms as number) <= LATEST_INSTANT));
    if (bad) throw new Error(`${bad[0]} is not a representable instant (${String(bad[1])})`);
    return readableTaskToWire(task);
  } catch (error) {
    return {
      id: task.id,
      name: task.name,
      status: task.status,
      cron_expression: task.cronExpression,
      timezone: task.timezone,
      cron_dialect: task.cronDialect,
      type: task.type,
      next_fire_at: null,
      version: task.version,
      created_at: iso(task.createdAt),
      updated_at: iso(task.updatedAt),
      error: { code: 'unreadable_task', message: text('task.unreadable', { problem: error instanceof Error ? error.message : String(error) }).in(locale) },
    };
  }
}

function readableTaskToWire(task: Task): TaskResponse {
  // Every secret is a placeholder now, which the domain's wire type cannot tell.
  const definition = definitionToWire(withSecrets(task, () => SECRET_PLACEHOLDER)) as Omit<TaskResponse, 'id' | 'status' | 'next_fire_at' | 'last_fire_at' | 'version' | 'created_at' | 'updated_at'>;
  return {
    id: task.id,
    ...definition,
    status: task.status,
    next_fire_at: iso(task.nextFireAt),
    last_fire_at: iso(task.lastFireAt),
    version: task.version,
    created_at: iso(task.createdAt),
    updated_at: iso(task.updatedAt),
  };
}

/**
 * An execution on the wire. Its result, error and reason are masked with the secret
 * values of its parameters and `taskSecrets` (those of its task's env and headers).
 */
function maskedExecutionToWire(execution: Execution, taskSecrets: readonly string[], masker: SecretMasker, maxAttempts: number | null, locale: MessageLocale): ExecutionResponse {
  const secrets = [...taskSecrets, ...masker.open(sealedParameters(execution.parameters).values())];
  return {
    id: execution.id,
    task_id: execution.taskId,
    task_name: execution.taskName,
    task_version: execution.taskVersion,
    trigger: execution.trigger,
    scheduled_time: iso(execution.scheduledTime),
    parameters: mapSecrets(execution.parameters, () => SECRET_PLACEHOLDER) as Record<string, unknown>,
    status: execution.status,
    executor_id: execution.executorId,
    attempt: execution.attempt,
    retry_count: execution.attempt - 1,
    max_attempts: maxAttempts,
    retry_of: execution.retryOf,
    run_at: iso(execution.runAt),
    start_time: iso(execution.startTime),
    end_time: iso(execution.endTime),
    duration_ms: execution.startTime !== null && execution.endTime !== null ? execution.endTime - execution.startTime : null,
    exit_code: execution.exitCode,
    result: maskSecretJson(execution.result, secrets),
    error: execution.error === null ? null : maskSecretText(errorIn(execution, locale), secrets),
    reason: execution.reason === null ? null : maskSecretText(locale !== 'en' && execution.reasonDetail ? execution.reasonDetail.in(locale) : execution.reason, secrets),
    shard_index: execution.shardIndex,
    shard_total: execution.shardTotal,
    parent_id: execution.parentId,
    log_expired: execution.logExpired,
    workflow_run_id: execution.workflowRunId,
    workflow_step: execution.workflowStep,
    created_at: iso(execution.createdAt),
  };
}

/**
 * An execution's error in `locale`: worded from its message when the server or a cronfleet
 * agent made it, else (English, or free text an executor reported) as stored. A waiting
 * reason is worded the same way (a reason code stays a code).
 */
function errorIn(execution: Execution, locale: MessageLocale): string {
  return locale !== 'en' && execution.errorDetail ? execution.errorDetail.in(locale) : execution.error!;
}

/**
 * Executions on the wire, masked with the secrets of their tasks (loaded once per task), their
 * errors in `locale` (the request's, messageLocale).
 */
export async function executionsToWire(store: Store, executions: readonly Execution[], locale: MessageLocale = 'en', known: readonly Task[] = []): Promise<ExecutionResponse[]> {
  const secretsByTask = new Map<string, string[]>();
  const maxAttemptsByTask = new Map<string, number>();
  for (const taskId of new Set(executions.map((execution) => execution.taskId))) {
    const task = known.find((candidate) => candidate.id === taskId) ?? (await store.tasks.getIncludingDeleted(taskId));
    // The values of a task's secrets, opened: only to mask them, never to be sent.
    secretsByTask.set(taskId, task ? store.masker.open(sealedSecrets(task).values()) : []);
    if (task && Number.isInteger(task.maxRetry)) maxAttemptsByTask.set(taskId, task.maxRetry + 1);
  }
  return executions.map((execution) => maskedExecutionToWire(execution, secretsByTask.get(execution.taskId) ?? [], store.masker, maxAttemptsByTask.get(execution.taskId) ?? null, locale));
}

export function executorToWire(executor: Executor, running: number, now: number): ExecutorResponse {
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
    // The stored flag is the last health check's verdict; an offline executor takes no
    // work whatever that said, so it never reads as healthy.
    is_healthy: executor.status !== 'offline' && executor.isHealthy,
    last_heartbeat: iso(executor.lastHeartbeat),
    heartbeat_age_ms: executor.lastHeartbeat === null ? null : Math.max(0, now - executor.lastHeartbeat),
    last_health_check: iso(executor.lastHealthCheck),
    health_check_failures: executor.healthCheckFailures,
    version: executor.version,
    metadata: executor.metadata,
  };
}

export function logChunkToWire(chunk: LogChunk): LogLineResponse {
  return { seq: chunk.seq, stream: chunk.stream, chunk: chunk.chunk, time: iso(chunk.createdAt) };
}
