// What a task's process sees. Parameters arrive as environment variables and as JSON on
// stdin — never spliced into a command line, so a parameter cannot inject a command.
import type { RunTask } from '../../protocol/executor-messages.ts';
import { traceparentOf } from '../../domain/trace-context.ts';

const PARAM_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function taskEnvironment(base: Record<string, string>, task: RunTask, taskEnv: Record<string, string>): Record<string, string> {
  // TRACEPARENT: the run's span in the execution's trace (domain/trace-context.ts), with
  // tracing on or off; one the task itself sets wins over it.
  const env: Record<string, string> = { ...base, TRACEPARENT: traceparentOf(task.id, task.attempt), ...taskEnv };
  env.CRONFLEET_EXECUTION_ID = task.id;
  env.CRONFLEET_TASK_ID = task.task_id;
  env.CRONFLEET_TASK_NAME = task.task_name;
  env.CRONFLEET_ATTEMPT = String(task.attempt);
  env.CRONFLEET_SCHEDULED_TIME = task.scheduled_time;
  env.CRONFLEET_TRIGGER = task.trigger;
  env.CRONFLEET_PARAMETERS = JSON.stringify(task.parameters);
  if (task.shard) {
    env.CRONFLEET_SHARD_INDEX = String(task.shard.index);
    env.CRONFLEET_SHARD_TOTAL = String(task.shard.total);
  }
  for (const [key, value] of Object.entries(task.parameters)) {
    if (!PARAM_KEY.test(key)) continue;
    env[`CRONFLEET_PARAM_${key.toUpperCase()}`] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return env;
}

/** The executor's own environment without cronfleet's settings and credentials. */
export function baseEnvironment(source: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined || key.startsWith('CRONFLEET_')) continue;
    env[key] = value;
  }
  return env;
}
