// Task definitions: the domain shape, and the one place that turns a wire body
// (snake_case, seed 001) into a validated definition. Errors name the field.
import { validateSchedule, assertTimezone, parseDialect } from './schedule.ts';
import { invalid, isSecretValue, assertSecretShapes } from './secrets.ts';
import { text } from '../protocol/messages/index.ts';
import { isTaskName, normalizeTaskName, TASK_NAME_MAX_LENGTH } from '../protocol/enums.ts';
import type { MaybeSecret } from './secret-values.ts';
import type { CommandSpec, DockerSpec, HandlerSpec, HttpSpec, ScriptSpec, Task, TaskDefinition, TaskExecutorRef, TaskSpec } from './task-definition.ts';

import type { TaskRequest } from '../protocol/rest-schemas.ts';
import {
  executionModes,
  loadBalanceStrategies,
  misfirePolicies,
  scriptInterpreters,
  taskDefaults,
  taskTypes,
  type ExecutionMode,
  type LoadBalanceStrategy,
  type MisfirePolicy,
  type TaskStatus,
  type TaskType,
} from '../protocol/enums.ts';

export { executionModes, taskDefaults, taskTypes };
export type { ExecutionMode, LoadBalanceStrategy, MisfirePolicy, TaskStatus };
export type { HttpSpec, Task, TaskDefinition, TaskExecutorRef };

/** A handler's name: what SDK workers register (src/executor/runners/handler.ts has the same rule). */
const HANDLER_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
// Every duration below is at most 7 days: in ms (6.048e8) it stays under setTimeout's
// limit of 2^31-1 ms (24.8 days), past which a timer fires at once.
const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

type Body = Record<string, unknown>;

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw invalid(field, text('value.oneOf', { allowed: allowed.join(', ') }), value);
}

function integer(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, text('value.integerRange', { min, max }), value);
  }
  return value;
}

function stringField(field: string, value: unknown, fallback: string, maxLength = 4096): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string') throw invalid(field, text('value.string'), value);
  if (value.length > maxLength) throw invalid(field, text('value.maxLength', { max: maxLength }));
  return value;
}

function stringMap(field: string, value: unknown, keyPattern?: RegExp): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(field, text('value.objectOfStrings'), value);
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw invalid(`${field}.${key}`, text('value.string'), entry);
    if (keyPattern && !keyPattern.test(key)) throw invalid(`${field}.${key}`, text('value.notAName', { key }));
    result[key] = entry;
  }
  return result;
}

/** A string map whose values may be secrets ({"secret":"<value>"} or the placeholder). */
function secretMap(field: string, value: unknown, keyPattern?: RegExp): Record<string, MaybeSecret> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(field, text('value.stringsOrSecrets'));
  const result: Record<string, MaybeSecret> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (keyPattern && !keyPattern.test(key)) throw invalid(`${field}.${key}`, text('value.notAName', { key }));
    if (typeof entry === 'string') result[key] = entry;
    else if (isSecretValue(entry) && !('$sealed' in entry)) result[key] = entry;
    else throw invalid(`${field}.${key}`, text('value.stringOrSecret')); // no value: it may be a malformed secret
  }
  return result;
}

function stringList(field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw invalid(field, text('value.arrayOfStrings'), value);
  return value as string[];
}

function object(field: string, value: unknown): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(field, text('value.object'), value);
  return value as Body;
}

/** The fields that only one type uses; a body may not mix them. */
const fieldsOfType: Record<TaskType, readonly string[]> = {
  command: ['command', 'args', 'shell', 'cwd'],
  script: ['script'],
  http: ['http'],
  docker: ['docker'],
  handler: ['handler'],
};

/** Which type a body describes: explicit `type`, else the type whose fields it carries, else a handler. */
function inferType(body: Body): TaskType {
  const present = taskTypes.filter((type) => fieldsOfType[type].some((field) => body[field] !== undefined && body[field] !== null));
  const type = body.type !== undefined && body.type !== null ? oneOf('type', body.type, taskTypes, 'handler') : (present[0] ?? 'handler');
  const foreign = present.find((other) => other !== type);
  if (foreign) {
    const field = fieldsOfType[foreign].find((name) => body[name] !== undefined && body[name] !== null)!;
    throw invalid(field, text('task.foreignField', { foreign, type }));
  }
  return type;
}

function parseSpec(type: TaskType, body: Body, name: string): TaskSpec {
  switch (type) {
    case 'command': {
      const command = stringField('command', body.command, '');
      if (command.trim() === '') throw invalid('command', text('task.requiredFor', { type }));
      return {
        command,
        args: stringList('args', body.args),
        shell: body.shell === undefined || body.shell === null ? taskDefaults.shell : boolean('shell', body.shell),
        env: secretMap('env', body.env, ENV_NAME_PATTERN),
        cwd: body.cwd === undefined || body.cwd === null ? null : stringField('cwd', body.cwd, ''),
      };
    }
    case 'script': {
      const script = object('script', body.script);
      const scriptBody = stringField('script.body', script.body, '', 1_000_000);
      if (scriptBody.trim() === '') throw invalid('script.body', text('task.requiredFor', { type }));
      return {
        interpreter: oneOf('script.interpreter', script.interpreter, scriptInterpreters, 'sh'),
        body: scriptBody,
        env: secretMap('script.env', script.env ?? body.env, ENV_NAME_PATTERN),
      };
    }
    case 'http': {
      const http = object('http', body.http);
      const url = stringField('http.url', http.url, '');
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw invalid('http.url', text('task.httpUrl'), url);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid('http.url', text('task.httpScheme'), url);
      const method = stringField('http.method', http.method, 'GET').toUpperCase();
      if (!HTTP_METHODS.includes(method)) throw invalid('http.method', text('value.oneOf', { allowed: HTTP_METHODS.join(', ') }), http.method);
      const expect = http.expect_status ?? [];
      const expectList = Array.isArray(expect) ? expect : [expect];
      if (expectList.some((code) => typeof code !== 'number' || !Number.isInteger(code) || code < 100 || code > 599)) {
        throw invalid('http.expect_status', text('task.expectStatus'), expect);
      }
      const requestBody = http.body === undefined || http.body === null ? null : typeof http.body === 'string' ? http.body : JSON.stringify(http.body);
      return { method, url, headers: secretMap('http.headers', http.headers), body: requestBody, expectStatus: expectList as number[] };
    }
    case 'docker': {
      const docker = object('docker', body.docker);
      const image = stringField('docker.image', docker.image, '');
      if (image.trim() === '') throw invalid('docker.image', text('task.requiredFor', { type }));
      const command = typeof docker.command === 'string' ? [docker.command] : stringList('docker.command', docker.command);
      return { image, command, env: secretMap('docker.env', docker.env, ENV_NAME_PATTERN) };
    }
    case 'handler': {
      const handler = stringField('handler', body.handler, name);
      if (!HANDLER_NAME_PATTERN.test(handler)) {
        // The handler defaults to the task's name, which may use letters no handler name has.
        throw body.handler === undefined || body.handler === null ? invalid('handler', text('task.handlerFromName')) : invalid('handler', text('task.handlerName'), handler);
      }
      return { handler };
    }
  }
}

function executorRefs(value: unknown): TaskExecutorRef[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > 1000) throw invalid('executors', text('task.executorList'), value);
  const seen = new Set<string>();
  return value.map((item, index) => {
    const field = `executors[${index}]`;
    const entry = object(field, item);
    for (const key of Object.keys(entry)) if (!['executor', 'weight', 'priority'].includes(key)) throw invalid(`${field}.${key}`, text('value.unknownField', { key }));
    const executor = stringField(`${field}.executor`, entry.executor, '', 255);
    if (executor === '') throw invalid(`${field}.executor`, text('task.executorRequired'));
    if (seen.has(executor)) throw invalid(`${field}.executor`, text('task.executorTwice', { executor }));
    seen.add(executor);
    return { executor, weight: integer(`${field}.weight`, entry.weight, 1, 1, 1000), priority: integer(`${field}.priority`, entry.priority, 0, 0, 1000) };
  });
}

function boolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(field, text('value.boolean'), value);
  return value;
}

/** Every field of the task request schema, and no other: the compiler checks the list is complete. */
const knownFieldFlags: { [K in keyof Required<TaskRequest>]: true } = {
  name: true,
  description: true,
  tags: true,
  cron_expression: true,
  timezone: true,
  cron_dialect: true,
  type: true,
  command: true,
  args: true,
  shell: true,
  env: true,
  cwd: true,
  script: true,
  http: true,
  docker: true,
  handler: true,
  parameters: true,
  execution_mode: true,
  load_balance_strategy: true,
  executor_labels: true,
  executors: true,
  max_retry: true,
  retry_backoff_seconds: true,
  retry_backoff_max_seconds: true,
  timeout_seconds: true,
  misfire_policy: true,
  misfire_grace_seconds: true,
  max_queued: true,
  dispatch_timeout_seconds: true,
  history_limit: true,
  priority: true,
  on_success_trigger: true,
  status: true,
  warnings: true, // read only, ignored: a task sent back as it was read is accepted
};
const knownFields = new Set<string>(Object.keys(knownFieldFlags));

/** Validates a wire body (create, or an update merged over the stored task) into a definition. */
export function parseTaskDefinition(input: unknown): TaskDefinition {
  const body = object('body', input);
  for (const key of Object.keys(body)) {
    if (!knownFields.has(key)) throw invalid(key, text('value.unknownField', { key }));
  }
  if (body.status !== undefined && body.status !== 'active' && body.status !== 'paused') {
    throw invalid('status', text('task.status'), body.status);
  }
  const name = normalizeTaskName(stringField('name', body.name, '', 4 * TASK_NAME_MAX_LENGTH));
  if (body.name === undefined || body.name === null || name === '') throw invalid('name', text('value.required'));
  if (!isTaskName(name)) throw invalid('name', text('task.nameRule', { max: TASK_NAME_MAX_LENGTH }), body.name);
  const timezone = stringField('timezone', body.timezone, taskDefaults.timezone, 64);
  assertTimezone(timezone);
  const cronExpression = body.cron_expression === undefined || body.cron_expression === null || body.cron_expression === '' ? null : stringField('cron_expression', body.cron_expression, '', 256);
  const cronDialect = parseDialect(body.cron_dialect);
  if (cronExpression !== null) validateSchedule(cronExpression, timezone, undefined, cronDialect);
  const type = inferType(body);
  const parameters = body.parameters === undefined || body.parameters === null ? {} : object('parameters', body.parameters);
  assertSecretShapes('parameters', parameters);
  const retryBackoffSeconds = integer('retry_backoff_seconds', body.retry_backoff_seconds, taskDefaults.retryBackoffSeconds, 1, 86_400);
  return {
    name,
    description: stringField('description', body.description, '', 4096),
    tags: stringList('tags', body.tags),
    cronExpression,
    timezone,
    cronDialect,
    type,
    spec: parseSpec(type, body, name),
    parameters,
    executionMode: oneOf('execution_mode', body.execution_mode, executionModes, taskDefaults.executionMode),
    loadBalanceStrategy: oneOf('load_balance_strategy', body.load_balance_strategy, loadBalanceStrategies, taskDefaults.loadBalanceStrategy),
    executorLabels: stringMap('executor_labels', body.executor_labels),
    executors: executorRefs(body.executors),
    maxRetry: integer('max_retry', body.max_retry, taskDefaults.maxRetry, 0, 100),
    retryBackoffSeconds,
    retryBackoffMaxSeconds: integer('retry_backoff_max_seconds', body.retry_backoff_max_seconds, Math.max(retryBackoffSeconds, taskDefaults.retryBackoffMaxSeconds), retryBackoffSeconds, 7 * 86_400),
    timeoutSeconds: integer('timeout_seconds', body.timeout_seconds, taskDefaults.timeoutSeconds, 1, MAX_TIMEOUT_SECONDS),
    misfirePolicy: oneOf('misfire_policy', body.misfire_policy, misfirePolicies, taskDefaults.misfirePolicy),
    misfireGraceSeconds: integer('misfire_grace_seconds', body.misfire_grace_seconds, taskDefaults.misfireGraceSeconds, 0, 7 * 86_400),
    maxQueued: integer('max_queued', body.max_queued, taskDefaults.maxQueued, 1, 1000),
    dispatchTimeoutSeconds: integer('dispatch_timeout_seconds', body.dispatch_timeout_seconds, taskDefaults.dispatchTimeoutSeconds, 1, MAX_TIMEOUT_SECONDS),
    // null (or absent) = no limit; the newest finished execution is always kept, hence ≥ 1.
    historyLimit: body.history_limit === undefined || body.history_limit === null ? null : integer('history_limit', body.history_limit, 1, 1, 10_000_000),
    priority: integer('priority', body.priority, taskDefaults.priority, -1000, 1000),
    onSuccessTrigger: [...new Set(stringList('on_success_trigger', body.on_success_trigger))],
  };
}

/**
 * Every field a client may send that is not one task type's own, by its wire name: a field
 * added to the request schema is a compile error here until definitionToWire maps it.
 */
type CommonWire = { [K in Exclude<keyof TaskRequest, (typeof typeSpecificFields)[number] | 'status' | 'warnings'>]-?: unknown }; // status is the task's state, warnings the server's view: neither is its definition

/** The wire form of a definition: the inverse of parseTaskDefinition (used to merge updates). */
export function definitionToWire(definition: TaskDefinition): Record<string, unknown> {
  const wire: CommonWire = {
    name: definition.name,
    description: definition.description,
    tags: definition.tags,
    cron_expression: definition.cronExpression,
    timezone: definition.timezone,
    cron_dialect: definition.cronDialect,
    type: definition.type,
    parameters: definition.parameters,
    execution_mode: definition.executionMode,
    load_balance_strategy: definition.loadBalanceStrategy,
    executor_labels: definition.executorLabels,
    executors: definition.executors,
    max_retry: definition.maxRetry,
    retry_backoff_seconds: definition.retryBackoffSeconds,
    retry_backoff_max_seconds: definition.retryBackoffMaxSeconds,
    timeout_seconds: definition.timeoutSeconds,
    misfire_policy: definition.misfirePolicy,
    misfire_grace_seconds: definition.misfireGraceSeconds,
    max_queued: definition.maxQueued,
    dispatch_timeout_seconds: definition.dispatchTimeoutSeconds,
    history_limit: definition.historyLimit,
    priority: definition.priority,
    on_success_trigger: definition.onSuccessTrigger,
  };
  return { ...wire, ...specToWire(definition.type, definition.spec) };
}

function specToWire(type: TaskType, spec: TaskSpec): Record<string, unknown> {
  switch (type) {
    case 'command': {
      const command = spec as CommandSpec;
      return { command: command.command, args: command.args, shell: command.shell, env: command.env, cwd: command.cwd };
    }
    case 'script': {
      const script = spec as ScriptSpec;
      return { script: { interpreter: script.interpreter, body: script.body, env: script.env } };
    }
    case 'http': {
      const http = spec as HttpSpec;
      return { http: { method: http.method, url: http.url, headers: http.headers, body: http.body, expect_status: http.expectStatus } };
    }
    case 'docker': {
      const docker = spec as DockerSpec;
      return { docker: { image: docker.image, command: docker.command, env: docker.env } };
    }
    case 'handler':
      return { handler: (spec as HandlerSpec).handler };
  }
}

/** Fields that belong to one task type only; switching type on update drops the old ones. */
export const typeSpecificFields = ['command', 'args', 'shell', 'env', 'cwd', 'script', 'http', 'docker', 'handler'] as const;
