// Run messages: what an executor needs to run one execution, and how runs are batched
// into messages. This is the one place a task's secrets are opened for sending
// (domain/secrets.ts): the executor gets the values, the database and every API
// response only ever hold them sealed or masked.
import type { Execution } from '../domain/execution.ts';
import { type HttpSpec, type Task } from '../domain/task.ts';
import { mapSecrets, withSecrets, type SecretValue } from '../domain/secrets.ts';
import type { RunTask } from '../protocol/executor-messages.ts';
import type { SecretOpener } from '../store/secret-cipher.ts';

export function runTask(stored: Task, execution: Execution, secrets: SecretOpener): RunTask {
  // Stored secrets are sealed; anything else here would be a bug upstream, and is not sent.
  const openSecret = (secret: SecretValue): string => {
    if ('$sealed' in secret) return secrets.open(secret.$sealed);
    throw new Error('a secret reached the run message unsealed');
  };
  const task = withSecrets(stored, openSecret);
  const spec = wireSpec(task);
  return {
    id: execution.id,
    attempt: execution.attempt,
    task_id: task.id,
    task_name: task.name,
    type: task.type,
    ...(task.type === 'command' ? { command: spec.command as string, args: spec.args as string[] } : {}),
    timeout: task.timeoutSeconds,
    spec,
    parameters: mapSecrets(execution.parameters, openSecret) as Record<string, unknown>,
    scheduled_time: new Date(execution.scheduledTime).toISOString(),
    trigger: execution.trigger,
    ...(execution.shardTotal !== null ? { shard: { index: execution.shardIndex ?? 0, total: execution.shardTotal } } : {}),
  };
}

function wireSpec(task: Task): Record<string, unknown> {
  if (task.type === 'http') {
    const { expectStatus, ...rest } = task.spec as HttpSpec;
    return { ...rest, expect_status: expectStatus };
  }
  return { ...task.spec };
}

/** Runs sent to one executor in one message: at most this many, and this many bytes (the protocol allows 1 MiB). */
const RUNS_PER_MESSAGE = 50;
const RUN_MESSAGE_BYTES = 256 * 1024;

/** Splits runs into messages; a run larger than the byte budget goes alone, as before batching. */
export function messageSized<T extends { run: RunTask }>(items: T[]): T[][] {
  const messages: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = JSON.stringify(item.run).length;
    if (current.length > 0 && (current.length >= RUNS_PER_MESSAGE || bytes + size > RUN_MESSAGE_BYTES)) {
      messages.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) messages.push(current);
  return messages;
}
