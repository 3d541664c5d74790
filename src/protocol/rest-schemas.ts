// REST request/response schemas (TypeBox): one definition validates requests and
// generates the OpenAPI document. Semantic checks (cron, time zone, per-type fields)
// happen in the domain and name the offending field.
import { Type, type Static } from 'typebox';
import { cronDialects, executionModes, executionStatuses, executionTriggers, executorStatuses, misfirePolicies, taskStatuses, taskTypes } from './enums.ts';

const StringMap = Type.Record(Type.String(), Type.String());
// env and http.headers values may be secrets: {"secret":"<value>"}, or {"secret":true} to
// keep the stored one (domain/task.ts). Reads show {"secret":true}.
const SecretString = Type.Object(
  { secret: Type.Union([Type.String({ minLength: 1 }), Type.Literal(true)], { description: 'the value (write only); true keeps the stored one' }) },
  { additionalProperties: false, description: 'A secret: encrypted at rest, shown as {"secret":true}, masked in logs and results' },
);
const SecretStringMap = Type.Record(Type.String(), Type.Union([Type.String(), SecretString]));
const Json = Type.Record(Type.String(), Type.Unknown());

export const TaskBody = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'Unique name: letters, digits, _ . : -' })),
    description: Type.Optional(Type.String()),
    tags: Type.Optional(Type.Array(Type.String())),
    cron_expression: Type.Optional(Type.Union([Type.String({ description: "5 or 6 fields, a nickname (@daily) or '@every 30s' (1s to 366d); null = manual only. Every fire lies in years 1970–9999" }), Type.Null()])),
    timezone: Type.Optional(Type.String({ description: "IANA time zone name (UTC, Etc/GMT+5, Asia/Shanghai), default UTC; not an offset like '+05:00'" })),
    // Checked by the schedule parser, so an unknown dialect is an invalid_cron naming the field.
    cron_dialect: Type.Optional(Type.String({ maxLength: 32, description: `how cron_expression is read: ${cronDialects.join(' or ')} (default standard; quartz: 1 = Sunday … 7 = Saturday)` })),
    type: Type.Optional(Type.String({ enum: [...taskTypes] })),
    command: Type.Optional(Type.String()),
    args: Type.Optional(Type.Array(Type.String())),
    shell: Type.Optional(Type.Boolean()),
    env: Type.Optional(SecretStringMap),
    cwd: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    script: Type.Optional(Type.Object({ interpreter: Type.Optional(Type.String()), body: Type.String(), env: Type.Optional(SecretStringMap) })),
    http: Type.Optional(
      Type.Object({
        method: Type.Optional(Type.String()),
        url: Type.String(),
        headers: Type.Optional(SecretStringMap),
        body: Type.Optional(Type.Unknown()),
        expect_status: Type.Optional(Type.Union([Type.Integer(), Type.Array(Type.Integer())])),
      }),
    ),
    docker: Type.Optional(Type.Object({ image: Type.String(), command: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])), env: Type.Optional(SecretStringMap) })),
    handler: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Any JSON; a value written {"secret":"<value>"} (at any depth) is a secret' })),
    execution_mode: Type.Optional(Type.String({ enum: [...executionModes] })),
    load_balance_strategy: Type.Optional(Type.String()),
    executor_labels: Type.Optional(StringMap),
    executors: Type.Optional(
      Type.Array(
        Type.Object(
          {
            executor: Type.String({ description: 'executor id or name' }),
            weight: Type.Optional(Type.Integer({ description: 'weighted_round_robin share, default 1' })),
            priority: Type.Optional(Type.Integer({ description: 'failover order, lowest first, default 0' })),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    max_retry: Type.Optional(Type.Integer()),
    retry_backoff_seconds: Type.Optional(Type.Integer()),
    retry_backoff_max_seconds: Type.Optional(Type.Integer()),
    timeout_seconds: Type.Optional(Type.Integer()),
    misfire_policy: Type.Optional(Type.String({ enum: [...misfirePolicies] })),
    misfire_grace_seconds: Type.Optional(Type.Integer()),
    max_queued: Type.Optional(Type.Integer()),
    dispatch_timeout_seconds: Type.Optional(Type.Integer()),
    history_limit: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    on_success_trigger: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100, description: 'Ids of tasks to start (trigger dependency) each time this one succeeds, as a chain run' })),
    priority: Type.Optional(Type.Integer({ description: 'Higher runs first when executors lack capacity (-1000 to 1000, default 0); equal priorities keep fire order' })),
    status: Type.Optional(Type.String({ enum: ['active', 'paused'] })),
    // Answers carry it; a client that sends a task back as it read it is not refused for it.
    warnings: Type.Optional(Type.Array(Type.String(), { description: 'Read only: what the answer said may keep the task from running; ignored when sent' })),
  },
  { additionalProperties: false },
);
/** A task as a client sends it (create, or the fields an update replaces). */
export type TaskRequest = Static<typeof TaskBody>;

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

// Every number a client sends is an integer within a range, so nothing computed from it
// (an offset: (page - 1) * page_size ≤ 10^9) overflows a database integer or a Date.
const MAX_PAGE = 1_000_000;
export const Pagination = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1 })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 })),
};

/** The orders GET /tasks knows: a column, '-' first for descending. */
const taskSorts = ['name', '-name', 'next_fire_at', '-next_fire_at', 'last_fire_at', '-last_fire_at', 'created_at', '-created_at', 'updated_at', '-updated_at'] as const;
export type TaskSort = (typeof taskSorts)[number];

export const TaskListQuery = Type.Object(
  {
    status: Type.Optional(Type.String({ enum: [...taskStatuses] })),
    type: Type.Optional(Type.String({ enum: [...taskTypes] })),
    search: Type.Optional(Type.String({ maxLength: 128 })),
    tag: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Array(Type.String({ maxLength: 128 }), { maxItems: 20 })], { description: 'only tasks carrying this tag (repeat for all of several)' })),
    sort: Type.Optional(Type.String({ enum: [...taskSorts], description: "order by this column, '-' first for descending (default name); tasks with no next or last fire come last either way" })),
    include: Type.Optional(Type.String({ enum: ['recent'], description: 'recent: each task carries recent_executions, its latest 10 runs (one query for the page)' })),
    ...Pagination,
  },
  { additionalProperties: false },
);

export const TaskGetQuery = Type.Object(
  { include_deleted: Type.Optional(Type.Union([Type.Boolean(), Type.Integer({ minimum: 0, maximum: 1 })], { description: 'true or 1: answer a deleted task too (status deleted) instead of 404' })) },
  { additionalProperties: false },
);

export const TaskHistoryQuery = Type.Object({ ...Pagination }, { additionalProperties: false });

export const ExecutionListQuery = Type.Object(
  {
    task_id: Type.Optional(Type.String({ maxLength: 64 })),
    status: Type.Optional(Type.String({ enum: [...executionStatuses] })),
    executor_id: Type.Optional(Type.String({ maxLength: 64 })),
    trigger: Type.Optional(Type.String({ enum: [...executionTriggers] })),
    from: Type.Optional(Type.String({ maxLength: 64, description: 'scheduled at or after this ISO 8601 instant' })),
    to: Type.Optional(Type.String({ maxLength: 64, description: 'scheduled before this ISO 8601 instant' })),
    ...Pagination,
  },
  { additionalProperties: false },
);

export const TriggerBody = Type.Object({ parameters: Type.Optional(Json) }, { additionalProperties: false });

/** Stopping an execution, or every running one of a task. No body is `{"force":false}`. */
export const StopBody = Type.Object(
  { force: Type.Optional(Type.Boolean({ description: 'true: SIGKILL the whole process group at once instead of SIGTERM, then SIGKILL after the grace period' })) },
  { additionalProperties: false },
);

export const NextFiresQuery = Type.Object(
  { count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 10 })), from: Type.Optional(Type.String({ format: 'date-time', description: 'an instant from 1970 to 9999; default now' })) },
  { additionalProperties: false },
);

export const PreviewBody = Type.Object(
  {
    cron_expression: Type.String({ minLength: 1, maxLength: 256 }),
    timezone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA time zone name, default UTC' })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'an instant from 1970 to 9999; default now' })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    // Checked by the schedule parser, so an unknown dialect is an invalid_cron naming the field.
    cron_dialect: Type.Optional(Type.String({ maxLength: 32, description: `how the expression is read: ${cronDialects.join(' or ')} (default standard)` })),
    locale: Type.Optional(Type.String({ maxLength: 35, description: 'language of the description: en or zh-CN; default from Accept-Language' })),
  },
  { additionalProperties: false },
);

export const LogsQuery = Type.Object(
  {
    after_seq: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, default: 0, description: 'a log sequence number (a 32-bit integer)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 1000 })),
    follow: Type.Optional(Type.Union([Type.Boolean(), Type.Integer({ minimum: 0, maximum: 1 })])),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('text')], { description: 'text: the whole log (from after_seq) as plain text, for download; not with follow' })),
  },
  { additionalProperties: false },
);

// Executors (seed 001 §5.2). An HTTP executor's registration: seed 001's body is valid
// as written; labels, capacity and runners are optional additions.
export const RegisterExecutorBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 255 }),
    instance_id: Type.String({ minLength: 1, maxLength: 255, description: 'Stable identity: registering the same instance_id again updates the executor' }),
    base_url: Type.String({ minLength: 1, maxLength: 500, description: 'Work is pushed to <base_url>/run, stops to <base_url>/stop' }),
    health_check_url: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    metadata: Type.Optional(Json),
    labels: Type.Optional(StringMap),
    capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Default: metadata.capacity, else 10' })),
    runners: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { description: "Task types it runs and 'handler:<name>' (or 'handler:*'); default all but docker" })),
    rotate_secret: Type.Optional(Type.Boolean({ description: 'Issue a new callback_secret (the old one stops working)' })),
  },
  { additionalProperties: false },
);
export type RegisterExecutorRequest = Static<typeof RegisterExecutorBody>;

export const ExecutorStatusBody = Type.Object(
  {
    status: Type.String({ enum: [...executorStatuses], description: 'maintenance drains: running work finishes, no new work is sent' }),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

// An HTTP executor's report on an execution (seed 001 §5.3), sent with its callback secret.
export const ExecutionCallbackBody = Type.Object(
  {
    status: Type.String({ enum: ['running', 'success', 'failed', 'timeout', 'cancelled'] }),
    result: Type.Optional(Type.Unknown()),
    logs: Type.Optional(Type.String({ description: 'Appended to the execution log' })),
    end_time: Type.Optional(Type.String({ description: "Accepted for seed 001's shape; the server's clock stamps the end" })),
    exit_code: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    error: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: false },
);
export type ExecutionCallbackRequest = Static<typeof ExecutionCallbackBody>;
