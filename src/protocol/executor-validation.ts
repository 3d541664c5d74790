// Validation of executor protocol messages in both directions. Anything malformed,
// oversized or unknown becomes a CronfleetError('invalid_request') naming the problem;
// the receiver answers with an error frame and keeps running.
import { CronfleetError } from './errors.ts';
import type { ExecutorMessage, RunTask, ServerMessage, TaskUpdateStatus } from './executor-messages.ts';
import { messageFromJson } from './messages/index.ts';

export const MAX_MESSAGE_BYTES = 1024 * 1024;
const MAX_ID = 64;
const MAX_NAME = 255;
const MAX_CHUNK = 512 * 1024;

type Json = Record<string, unknown>;

function fail(message: string, details?: Record<string, unknown>): never {
  throw new CronfleetError('invalid_request', message, details);
}

function parseObject(raw: string | Buffer): Json {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > MAX_MESSAGE_BYTES) fail(`message of ${size} bytes is over the ${MAX_MESSAGE_BYTES}-byte limit`);
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    fail('message is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('message must be a JSON object');
  if (typeof (value as Json).action !== 'string') fail("message has no 'action'");
  return value as Json;
}

function str(message: Json, field: string, max = MAX_NAME, optional = false): string {
  const value = message[field];
  if (value === undefined && optional) return '';
  if (typeof value !== 'string' || value.length === 0 || value.length > max) fail(`'${field}' must be a string of 1–${max} characters`, { field });
  return value;
}

function int(message: Json, field: string, min: number, max: number): number {
  const value = message[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(`'${field}' must be an integer from ${min} to ${max}`, { field });
  return value;
}

function strings(message: Json, field: string, maxItems: number, maxLength = MAX_NAME): string[] {
  const value = message[field];
  if (!Array.isArray(value) || value.length > maxItems || value.some((item) => typeof item !== 'string' || item.length > maxLength)) {
    fail(`'${field}' must be a list of at most ${maxItems} strings`, { field });
  }
  return value as string[];
}

function labels(message: Json, field: string): Record<string, string> {
  const value = message[field] ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`'${field}' must be an object of strings`, { field });
  const entries = Object.entries(value);
  if (entries.length > 64 || entries.some(([key, item]) => typeof item !== 'string' || key.length > 128 || item.length > 255)) {
    fail(`'${field}' must hold at most 64 string labels`, { field });
  }
  return value as Record<string, string>;
}

const updateStatuses: readonly TaskUpdateStatus[] = ['running', 'success', 'failed', 'timeout', 'cancelled'];

export function parseExecutorMessage(raw: string | Buffer): ExecutorMessage {
  const message = parseObject(raw);
  switch (message.action) {
    case 'hello':
      return {
        action: 'hello',
        name: str(message, 'name'),
        instance_id: str(message, 'instance_id'),
        labels: labels(message, 'labels'),
        capacity: int(message, 'capacity', 1, 10_000),
        runners: strings(message, 'runners', 1000),
        running: strings(message, 'running', 10_000, MAX_ID),
        protocol_version: int(message, 'protocol_version', 1, 1_000),
        version: str(message, 'version', 64),
        ...(typeof message.token === 'string' ? { token: message.token } : {}),
      };
    case 'heartbeat':
      return { action: 'heartbeat', running: strings(message, 'running', 10_000, MAX_ID) };
    case 'log': {
      const stream = message.stream;
      if (stream !== 'stdout' && stream !== 'stderr' && stream !== 'system') fail("'stream' must be stdout, stderr or system", { field: 'stream' });
      const chunk = message.chunk;
      if (typeof chunk !== 'string' || chunk.length > MAX_CHUNK) fail(`'chunk' must be a string of at most ${MAX_CHUNK} characters`, { field: 'chunk' });
      return { action: 'log', execution_id: str(message, 'execution_id', MAX_ID), seq: int(message, 'seq', 0, Number.MAX_SAFE_INTEGER), stream, chunk };
    }
    case 'task_update': {
      const data = message.data;
      if (typeof data !== 'object' || data === null || Array.isArray(data)) fail("'data' must be an object", { field: 'data' });
      const fields = data as Json;
      if (!updateStatuses.includes(fields.status as TaskUpdateStatus)) fail(`'data.status' must be one of ${updateStatuses.join(', ')}`, { field: 'data.status' });
      const optionalString = (name: string, max: number) => {
        const value = fields[name];
        if (value === undefined || value === null) return undefined;
        if (typeof value !== 'string' || value.length > max) fail(`'data.${name}' must be a string`, { field: `data.${name}` });
        return value;
      };
      const exitCode = fields.exit_code;
      if (exitCode !== undefined && exitCode !== null && (typeof exitCode !== 'number' || !Number.isInteger(exitCode))) fail("'data.exit_code' must be an integer", { field: 'data.exit_code' });
      const output = optionalString('output', MAX_CHUNK);
      const error = optionalString('error', 64 * 1024);
      // Only with an error, and only a run error the server knows: anything else is dropped, not refused.
      const errorDetail = error === undefined ? null : messageFromJson(fields.error_detail, (key) => key.startsWith('run.'));
      const timeStart = optionalString('time_start', 64);
      const timeEnd = optionalString('time_end', 64);
      return {
        action: 'task_update',
        worker_id: typeof message.worker_id === 'string' ? message.worker_id.slice(0, MAX_ID) : '',
        task_id: str(message, 'task_id', MAX_ID),
        attempt: message.attempt === undefined ? 1 : int(message, 'attempt', 1, 1_000),
        data: {
          status: fields.status as TaskUpdateStatus,
          ...(output !== undefined ? { output } : {}),
          ...(exitCode !== undefined ? { exit_code: exitCode } : {}),
          ...(fields.result !== undefined ? { result: fields.result } : {}),
          ...(error !== undefined ? { error } : {}),
          ...(errorDetail !== null ? { error_detail: errorDetail.toJSON() } : {}),
          ...(timeStart !== undefined ? { time_start: timeStart } : {}),
          ...(timeEnd !== undefined ? { time_end: timeEnd } : {}),
        },
      };
    }
    default:
      return fail(`unknown action '${String(message.action).slice(0, 40)}'`, { field: 'action' });
  }
}

export function parseServerMessage(raw: string | Buffer): ServerMessage {
  const message = parseObject(raw);
  switch (message.action) {
    case 'welcome':
      return { action: 'welcome', executor_id: str(message, 'executor_id', MAX_ID), heartbeat_interval_ms: int(message, 'heartbeat_interval_ms', 100, 3_600_000) };
    case 'ack': {
      if (!Array.isArray(message.task_ids) || message.task_ids.some((id) => typeof id !== 'string')) fail("'task_ids' must be a list of ids");
      return { action: 'ack', task_ids: message.task_ids as string[] };
    }
    case 'error':
      return { action: 'error', code: str(message, 'code', 64), message: typeof message.message === 'string' ? message.message : '' };
    case 'run': {
      if (!Array.isArray(message.tasks)) fail("'tasks' must be a list");
      return { action: 'run', tasks: (message.tasks as unknown[]).map(runTask) };
    }
    case 'stop':
    case 'kill':
    case 'timeout': {
      if (!Array.isArray(message.tasks)) fail("'tasks' must be a list");
      return { action: message.action, tasks: (message.tasks as unknown[]).map((task) => ({ id: str(task as Json, 'id', MAX_ID) })) };
    }
    default:
      return fail(`unknown action '${String(message.action).slice(0, 40)}'`, { field: 'action' });
  }
}

function runTask(value: unknown): RunTask {
  if (typeof value !== 'object' || value === null) fail('a task must be an object');
  const task = value as Json;
  const type = task.type;
  if (type !== 'command' && type !== 'script' && type !== 'http' && type !== 'docker' && type !== 'handler') fail("'type' is not a task type", { field: 'type' });
  if (typeof task.spec !== 'object' || task.spec === null) fail("'spec' must be an object", { field: 'spec' });
  if (typeof task.parameters !== 'object' || task.parameters === null) fail("'parameters' must be an object", { field: 'parameters' });
  return {
    ...(task as unknown as RunTask),
    id: str(task, 'id', MAX_ID),
    attempt: int(task, 'attempt', 1, 1_000),
    timeout: int(task, 'timeout', 1, 7 * 24 * 3600),
    type,
  };
}
