// The run message for one execution: what an executor needs to run it.
import type { Execution } from '../domain/execution.ts';
import type { HttpSpec, Task } from '../domain/task.ts';
import type { RunTask } from '../protocol/executor-messages.ts';

export function runTask(task: Task, execution: Execution): RunTask {
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
    parameters: execution.parameters,
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
