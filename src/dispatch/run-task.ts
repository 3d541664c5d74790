// The run message for one execution: what an executor needs to run it. This is the one
// place a task's secrets are opened (domain/task.ts "Secrets"): the executor gets the
// values, the database and every API response only ever hold them sealed or masked.
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
