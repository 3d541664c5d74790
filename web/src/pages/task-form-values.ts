// The task form's values and their mapping to and from the REST task body (only the
// chosen type's fields are sent), and where a server validation error lands.
import { taskDefaults, type CronDialect } from '../../../src/protocol/enums.ts';
import type { Task, TaskBody, TaskType } from '../api/types.ts';
import type { ExecutorChoice } from '../components/executor-picker.tsx';
import { mapFromRows, rowsFromMap, type KeyValueRow } from '../components/key-value-editor.tsx';

export interface TaskFormValues {
  name: string;
  description: string;
  tags: string[];
  cron_expression: string;
  timezone: string;
  cron_dialect: CronDialect;
  status: 'active' | 'paused';
  type: TaskType;
  command: string;
  args: string;
  shell: boolean;
  cwd: string;
  env: KeyValueRow[];
  script: { interpreter: string; body: string };
  http: { method: string; url: string; headers: KeyValueRow[]; body: string; expect_status: string };
  docker: { image: string; command: string };
  handler: string;
  parameters: string;
  execution_mode: string;
  load_balance_strategy: string;
  executor_labels: KeyValueRow[];
  executors: ExecutorChoice[];
  max_retry: number | string;
  retry_backoff_seconds: number | string;
  retry_backoff_max_seconds: number | string;
  timeout_seconds: number | string;
  misfire_policy: string;
  misfire_grace_seconds: number | string;
  max_queued: number | string;
  dispatch_timeout_seconds: number | string;
  /** Empty: no limit. */
  history_limit: number | string;
}

/** A new task: the server's defaults (protocol/enums.ts taskDefaults); the form offers the browser's zone in one click. */
export const blank: TaskFormValues = {
  name: '',
  description: '',
  tags: [],
  cron_expression: '*/5 * * * *',
  timezone: taskDefaults.timezone,
  cron_dialect: taskDefaults.cronDialect,
  status: 'active',
  type: 'command',
  command: '',
  args: '',
  shell: taskDefaults.shell,
  cwd: '',
  env: [],
  script: { interpreter: 'sh', body: '' },
  http: { method: 'GET', url: '', headers: [], body: '', expect_status: '' },
  docker: { image: '', command: '' },
  handler: '',
  parameters: '{}',
  execution_mode: taskDefaults.executionMode,
  load_balance_strategy: taskDefaults.loadBalanceStrategy,
  executor_labels: [],
  executors: [],
  max_retry: taskDefaults.maxRetry,
  retry_backoff_seconds: '',
  retry_backoff_max_seconds: '',
  timeout_seconds: taskDefaults.timeoutSeconds,
  misfire_policy: taskDefaults.misfirePolicy,
  misfire_grace_seconds: '',
  max_queued: '',
  dispatch_timeout_seconds: '',
  history_limit: '',
};

export function valuesFromTask(task: Task): TaskFormValues {
  const env = task.type === 'script' ? task.script?.env : task.type === 'docker' ? task.docker?.env : task.env;
  return {
    ...blank,
    name: task.name,
    description: task.description ?? '',
    tags: task.tags ?? [],
    cron_expression: task.cron_expression ?? '',
    timezone: task.timezone,
    cron_dialect: task.cron_dialect,
    status: task.status === 'paused' ? 'paused' : 'active',
    type: task.type,
    command: task.command ?? '',
    args: (task.args ?? []).join('\n'),
    shell: task.shell ?? false,
    cwd: task.cwd ?? '',
    env: rowsFromMap(env),
    script: { interpreter: task.script?.interpreter ?? 'sh', body: task.script?.body ?? '' },
    http: {
      method: task.http?.method ?? 'GET',
      url: task.http?.url ?? '',
      headers: rowsFromMap(task.http?.headers),
      body: task.http?.body === undefined || task.http.body === null ? '' : typeof task.http.body === 'string' ? task.http.body : JSON.stringify(task.http.body, null, 2),
      expect_status: task.http?.expect_status === undefined ? '' : ([] as number[]).concat(task.http.expect_status).join(', '),
    },
    docker: { image: task.docker?.image ?? '', command: Array.isArray(task.docker?.command) ? task.docker.command.join(' ') : (task.docker?.command ?? '') },
    handler: task.handler ?? '',
    parameters: JSON.stringify(task.parameters ?? {}, null, 2),
    execution_mode: task.execution_mode ?? blank.execution_mode,
    load_balance_strategy: task.load_balance_strategy ?? blank.load_balance_strategy,
    executor_labels: rowsFromMap(task.executor_labels),
    executors: (task.executors ?? []).map((entry) => ({ executor: entry.executor, weight: entry.weight ?? 1, priority: entry.priority ?? 0 })),
    max_retry: task.max_retry ?? blank.max_retry,
    retry_backoff_seconds: task.retry_backoff_seconds ?? '',
    retry_backoff_max_seconds: task.retry_backoff_max_seconds ?? '',
    timeout_seconds: task.timeout_seconds ?? blank.timeout_seconds,
    misfire_policy: task.misfire_policy ?? blank.misfire_policy,
    misfire_grace_seconds: task.misfire_grace_seconds ?? '',
    max_queued: task.max_queued ?? '',
    dispatch_timeout_seconds: task.dispatch_timeout_seconds ?? '',
    history_limit: task.history_limit ?? '',
  };
}

const optionalInteger = (value: number | string) => (value === '' || value === null ? undefined : Number(value));

/** The request body; only the chosen type's fields are sent. */
export function bodyFromValues(values: TaskFormValues): TaskBody {
  const env = mapFromRows(values.env);
  const body: TaskBody = {
    name: values.name.trim(),
    description: values.description,
    tags: values.tags,
    cron_expression: values.cron_expression.trim() === '' ? null : values.cron_expression.trim(),
    timezone: values.timezone || 'UTC',
    cron_dialect: values.cron_dialect,
    type: values.type,
    parameters: JSON.parse(values.parameters.trim() || '{}') as Record<string, unknown>,
    execution_mode: values.execution_mode,
    load_balance_strategy: values.load_balance_strategy,
    executor_labels: mapFromRows(values.executor_labels) as Record<string, string>, // the label editor has no secrets
    executors: values.executors.filter((entry) => entry.executor).map((entry) => ({ executor: entry.executor, weight: Number(entry.weight) || 1, priority: Number(entry.priority) || 0 })),
    max_retry: Number(values.max_retry) || 0,
    retry_backoff_seconds: optionalInteger(values.retry_backoff_seconds),
    retry_backoff_max_seconds: optionalInteger(values.retry_backoff_max_seconds),
    timeout_seconds: Number(values.timeout_seconds) || 0,
    misfire_policy: values.misfire_policy,
    misfire_grace_seconds: optionalInteger(values.misfire_grace_seconds),
    max_queued: values.execution_mode === 'queue' ? optionalInteger(values.max_queued) : undefined,
    dispatch_timeout_seconds: optionalInteger(values.dispatch_timeout_seconds),
    // Sent as null when empty, so clearing the field lifts the limit.
    history_limit: optionalInteger(values.history_limit) ?? null,
    status: values.status,
  };
  switch (values.type) {
    case 'command':
      Object.assign(body, { command: values.command, args: values.args.split('\n').filter((line) => line !== ''), shell: values.shell, cwd: values.cwd.trim() || null, env });
      break;
    case 'script':
      body.script = { interpreter: values.script.interpreter || undefined, body: values.script.body, env };
      break;
    case 'http': {
      const raw = values.http.body.trim();
      let requestBody: unknown = undefined;
      if (raw) {
        try {
          requestBody = JSON.parse(raw);
        } catch {
          requestBody = values.http.body;
        }
      }
      const expect = values.http.expect_status
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number);
      body.http = {
        method: values.http.method,
        url: values.http.url.trim(),
        headers: mapFromRows(values.http.headers),
        ...(requestBody !== undefined ? { body: requestBody } : {}),
        ...(expect.length > 0 ? { expect_status: expect.length === 1 ? expect[0] : expect } : {}),
      };
      break;
    }
    case 'docker':
      body.docker = { image: values.docker.image.trim(), ...(values.docker.command.trim() ? { command: values.docker.command.trim() } : {}), env };
      break;
    case 'handler':
      body.handler = values.handler.trim() || values.name.trim();
      break;
  }
  for (const [key, value] of Object.entries(body)) if (value === undefined) delete body[key as keyof TaskBody];
  return body;
}

/** Form paths a server error can land on; `env.FOO` lands on `env`, `http.url` on itself. */
const errorPaths = [
  'name',
  'description',
  'tags',
  'cron_expression',
  'timezone',
  'cron_dialect',
  'type',
  'command',
  'args',
  'shell',
  'cwd',
  'env',
  'script.interpreter',
  'script.body',
  'http.method',
  'http.url',
  'http.headers',
  'http.body',
  'http.expect_status',
  'docker.image',
  'docker.command',
  'handler',
  'parameters',
  'execution_mode',
  'load_balance_strategy',
  'executor_labels',
  'executors',
  'max_retry',
  'retry_backoff_seconds',
  'retry_backoff_max_seconds',
  'timeout_seconds',
  'misfire_policy',
  'misfire_grace_seconds',
  'max_queued',
  'dispatch_timeout_seconds',
  'history_limit',
  'status',
];

export function formPathOf(field: string, type: TaskType): string | null {
  let path = field.replace(/\[\d+\].*$/, '');
  if (/^(script|docker)\.env/.test(path)) return 'env';
  if (type === 'docker' && path === 'docker') path = 'docker.image';
  while (path) {
    if (errorPaths.includes(path)) return path;
    const dot = path.lastIndexOf('.');
    if (dot < 0) break;
    path = path.slice(0, dot);
  }
  return null;
}
