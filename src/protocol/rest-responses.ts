// What the REST API answers (TypeBox): the one definition of every response body. Routes
// declare them (Fastify serialises with them and the OpenAPI document shows them), the
// api/ DTOs return their Static types, and the web UI imports those types, so a field
// changed here is a compile error in each of the three. Named schemas carry an $id: the
// server registers them once (namedResponseSchemas) and routes point at them with ref().
// Serialisation keeps only the properties listed here: an open object (parameters, a
// result, metadata) must say so, or its contents would be dropped.
import { Type, type Static, type TSchema } from 'typebox';
import { cronDialects, executionModes, executionStatuses, executionTriggers, executorStatuses, loadBalanceStrategies, misfirePolicies, roles, taskStatuses, taskTypes, type ExecutionStatus } from './enums.ts';
import { errorStatus, type ErrorCode } from './errors.ts';

/** One of a fixed list of strings: an enum in the document, the literal union in TypeScript. */
export function oneOf<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>(Type.String({ ...options, enum: [...values] }));
}

function nullable<T extends TSchema>(schema: T, options: { description?: string } = {}) {
  return Type.Union([schema, Type.Null()], options);
}

/** An instant as ISO 8601 (api/dto.ts iso()); null for none, or one no date can hold. */
export const Instant = nullable(Type.String({ format: 'date-time' }));
const StringMap = Type.Record(Type.String(), Type.String());
/** Any JSON object. */
const JsonObject = Type.Record(Type.String(), Type.Unknown());

/** A schema registered under its $id: the document lists it under components.schemas. */
export type Named<T extends TSchema = TSchema> = T & { $id: string };

export function named<T extends TSchema>(id: string, schema: T): Named<T> {
  return Object.assign(schema, { $id: id });
}

/** A reference to a named schema: `$ref` in the document, the schema's own type in TypeScript. */
export function ref<T extends Named>(schema: T, options: { description?: string } = {}) {
  return Type.Unsafe<Static<T>>({ ...options, $ref: `${schema.$id}#` });
}

// Errors ----------------------------------------------------------------------------------

const errorCodes = Object.keys(errorStatus) as ErrorCode[];

export const ErrorResponse = named(
  'Error',
  Type.Object(
    {
      error: Type.Object({
        code: Type.Unsafe<ErrorCode>(Type.String({ enum: errorCodes, description: 'Stable: match on it, never on the message' })),
        message: Type.String(),
        details: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Structured facts, e.g. {"field":"cron_expression"}' })),
      }),
    },
    { description: 'Every error the API answers' },
  ),
);
export type ErrorResponse = Static<typeof ErrorResponse>;

// Tasks -----------------------------------------------------------------------------------

/** What a read shows in place of a secret value. */
const SecretPlaceholder = Type.Object({ secret: Type.Literal(true) }, { description: 'A secret; its value is never sent' });
const SecretStringMap = Type.Record(Type.String(), Type.Union([Type.String(), SecretPlaceholder]));

export const TaskResponse = named(
  'Task',
  Type.Object(
    {
      id: Type.String(),
      name: Type.String(),
      description: Type.Optional(Type.String()),
      tags: Type.Optional(Type.Array(Type.String())),
      cron_expression: nullable(Type.String(), { description: 'null: manual runs only' }),
      timezone: Type.String(),
      cron_dialect: oneOf(cronDialects, { description: 'how cron_expression is read' }),
      type: oneOf(taskTypes),
      // One of these five, as the type says.
      command: Type.Optional(Type.String()),
      args: Type.Optional(Type.Array(Type.String())),
      shell: Type.Optional(Type.Boolean()),
      env: Type.Optional(SecretStringMap),
      cwd: Type.Optional(nullable(Type.String())),
      script: Type.Optional(Type.Object({ interpreter: Type.String(), body: Type.String(), env: SecretStringMap })),
      http: Type.Optional(Type.Object({ method: Type.String(), url: Type.String(), headers: SecretStringMap, body: nullable(Type.String()), expect_status: Type.Array(Type.Integer()) })),
      docker: Type.Optional(Type.Object({ image: Type.String(), command: Type.Array(Type.String()), env: SecretStringMap })),
      handler: Type.Optional(Type.String()),
      parameters: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Any JSON; secrets (at any depth) show as {"secret":true}' })),
      execution_mode: Type.Optional(oneOf(executionModes)),
      load_balance_strategy: Type.Optional(oneOf(loadBalanceStrategies)),
      executor_labels: Type.Optional(StringMap),
      executors: Type.Optional(Type.Array(Type.Object({ executor: Type.String(), weight: Type.Integer(), priority: Type.Integer() }))),
      max_retry: Type.Optional(Type.Integer()),
      retry_backoff_seconds: Type.Optional(Type.Integer()),
      retry_backoff_max_seconds: Type.Optional(Type.Integer()),
      timeout_seconds: Type.Optional(Type.Integer()),
      misfire_policy: Type.Optional(oneOf(misfirePolicies)),
      misfire_grace_seconds: Type.Optional(Type.Integer()),
      max_queued: Type.Optional(Type.Integer({ description: 'queue mode: at most this many fires wait for their turn; an older one beyond it is recorded as skipped' })),
      dispatch_timeout_seconds: Type.Optional(Type.Integer({ description: 'A pending execution that no executor can take fails with reason no_executor after this long' })),
      history_limit: Type.Optional(
        Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'Keep at most this many finished executions of the task, the newest, whatever their age (null: no limit; README "History retention")' }),
      ),
      on_success_trigger: Type.Optional(Type.Array(Type.String(), { description: 'Ids of tasks started (trigger dependency) each time this one succeeds' })),
      priority: Type.Optional(Type.Integer({ description: 'Higher runs first when executors lack capacity; equal priorities keep fire order' })),
      warnings: Type.Optional(Type.Array(Type.String(), { description: 'What may keep the task from running now, e.g. no online executor offers its handler yet (empty when nothing does)' })),
      recent_executions: Type.Optional(
        Type.Array(Type.Object({ id: Type.String(), status: oneOf(executionStatuses), scheduled_time: Instant, end_time: Instant }), {
          description: 'With include=recent on the list: the latest 10 runs, newest first (broadcast shards left out)',
        }),
      ),
      status: oneOf(taskStatuses),
      next_fire_at: Instant,
      last_fire_at: Type.Optional(Instant),
      version: Type.Integer(),
      created_at: Instant,
      updated_at: Instant,
      error: Type.Optional(
        Type.Object(
          { code: Type.Literal('unreadable_task'), message: Type.String() },
          { description: 'Set when this version cannot read the stored definition: only the fields above that are marked required are sent; update or delete the task' },
        ),
      ),
    },
    { description: 'A task; secrets show as {"secret":true}' },
  ),
);
export type TaskResponse = Static<typeof TaskResponse>;

export const FireTimesResponse = named('FireTimes', Type.Object({ fires: Type.Array(Instant), timezone: Type.String() }, { description: 'The next fire times, oldest first' }));
export type FireTimesResponse = Static<typeof FireTimesResponse>;

export const SchedulePreviewResponse = named(
  'SchedulePreview',
  Type.Object(
    {
      fires: Type.Array(Instant),
      timezone: Type.String(),
      cron_dialect: oneOf(cronDialects),
      description: Type.String({ description: 'The schedule in words, in English or Simplified Chinese' }),
    },
    { description: 'The next fire times, oldest first, and the schedule in words' },
  ),
);
export type SchedulePreviewResponse = Static<typeof SchedulePreviewResponse>;

// Executions ------------------------------------------------------------------------------

export const ExecutionResponse = named(
  'Execution',
  Type.Object({
    id: Type.String(),
    task_id: Type.String(),
    task_name: Type.String(),
    task_version: Type.Integer(),
    trigger: oneOf(executionTriggers),
    scheduled_time: Instant,
    parameters: Type.Record(Type.String(), Type.Unknown(), { description: 'The parameters it ran with; secrets show as {"secret":true}' }),
    status: oneOf(executionStatuses),
    executor_id: nullable(Type.String()),
    attempt: Type.Integer({ description: '1 for the first run, 2 for its first retry, …' }),
    retry_count: Type.Integer(),
    max_attempts: nullable(Type.Integer({ description: "How many attempts its task allows (max_retry + 1, as the task is now): attempt 2 of 4; null when the task's definition cannot be read" })),
    retry_of: nullable(Type.String()),
    run_at: nullable(Type.String({ format: 'date-time' }), { description: 'Earliest dispatch (retry backoff); null: at once' }),
    start_time: Instant,
    end_time: Instant,
    duration_ms: nullable(Type.Integer()),
    exit_code: nullable(Type.Integer()),
    result: Type.Unknown({ description: 'What the run returned (any JSON), secrets masked' }),
    error: nullable(
      Type.String({
        description:
          "What went wrong, secrets masked. One the server or a cronfleet agent worded (exited with code 1, timed out after 5s, …) is in the request's language (Accept-Language: English or Simplified Chinese; English without it); text an executor reported itself is as it came",
      }),
    ),
    reason: nullable(Type.String({ description: 'Why it waits, or why it ended as it did (e.g. executor_lost)' })),
    shard_index: nullable(Type.Integer()),
    shard_total: nullable(Type.Integer()),
    parent_id: nullable(Type.String({ description: 'Broadcast: the execution this one was split from' })),
    workflow_run_id: Type.Optional(nullable(Type.String({ description: 'The workflow run (or on_success_trigger chain) it is a step of' }))),
    workflow_step: Type.Optional(nullable(Type.String())),
    log_expired: Type.Boolean({ description: 'Its log was deleted by retention (log_retention_days); the execution itself is kept' }),
    created_at: Instant,
  }),
);
export type ExecutionResponse = Static<typeof ExecutionResponse>;

export const LogLineResponse = named(
  'LogLine',
  Type.Object({ seq: Type.Integer(), stream: oneOf(['stdout', 'stderr', 'system'] as const), chunk: Type.String(), time: Instant }, { description: 'A chunk of an execution log' }),
);
export type LogLineResponse = Static<typeof LogLineResponse>;

export const LogPageResponse = named(
  'LogPage',
  Type.Object({
    items: Type.Array(ref(LogLineResponse)),
    next_seq: Type.Integer({ description: 'Pass as after_seq to read on' }),
    finished: Type.Boolean({ description: 'The execution ended: no more lines will come' }),
    status: oneOf(executionStatuses),
  }),
);
export type LogPageResponse = Static<typeof LogPageResponse>;

export const TaskStopResponse = named(
  'TaskStop',
  Type.Object(
    {
      task_id: Type.String(),
      force: Type.Boolean({ description: 'true: the running ones are SIGKILLed at once' }),
      stopped: Type.Array(Type.String(), { description: 'Ids of the executions stopped: pending ones are cancelled now, running ones end as cancelled when their executor reports' }),
    },
    { description: "What a stop of a task's executions reached" },
  ),
);
export type TaskStopResponse = Static<typeof TaskStopResponse>;

// Executors -------------------------------------------------------------------------------

export const ExecutorResponse = named(
  'Executor',
  Type.Object({
    id: Type.String(),
    name: Type.String(),
    instance_id: Type.String(),
    kind: oneOf(['agent', 'http'] as const, { description: 'agent: dials in over WebSocket; http: registered, work is pushed to it' }),
    base_url: nullable(Type.String()),
    health_check_url: nullable(Type.String()),
    labels: StringMap,
    capacity: Type.Integer(),
    running: Type.Integer({ description: 'Executions running on it now' }),
    runners: Type.Array(Type.String()),
    status: oneOf(executorStatuses),
    is_healthy: Type.Boolean({ description: 'Reachable and passing its health checks; always false while offline' }),
    last_heartbeat: Instant,
    heartbeat_age_ms: nullable(Type.Integer()),
    last_health_check: Instant,
    health_check_failures: Type.Integer(),
    version: nullable(Type.String()),
    metadata: JsonObject,
  }),
);
export type ExecutorResponse = Static<typeof ExecutorResponse>;

export const RegisteredExecutorResponse = named(
  'RegisteredExecutor',
  Type.Object({
    ...ExecutorResponse.properties,
    callback_secret: Type.Optional(Type.String({ description: 'Signs callbacks and verifies pushes; sent only on first registration or rotation' })),
  }),
);
export type RegisteredExecutorResponse = Static<typeof RegisteredExecutorResponse>;

// Users, tokens, audit --------------------------------------------------------------------

export const UserResponse = named(
  'User',
  Type.Object({
    id: Type.String(),
    username: Type.String(),
    role: oneOf(roles),
    disabled: Type.Boolean(),
    created_at: Instant,
    updated_at: Instant,
    last_login_at: Instant,
  }),
);
export type UserResponse = Static<typeof UserResponse>;

export const CreatedUserResponse = named('CreatedUser', Type.Object({ ...UserResponse.properties, password: Type.Optional(Type.String({ description: 'The generated password, sent only now (when none was given)' })) }));
export type CreatedUserResponse = Static<typeof CreatedUserResponse>;

export const ApiTokenResponse = named(
  'ApiToken',
  Type.Object({
    id: Type.String(),
    name: Type.String(),
    role: oneOf(roles),
    user_id: nullable(Type.String({ description: 'The owner; null when made with the admin token' })),
    created_by: Type.String(),
    created_at: Instant,
    expires_at: Instant,
    revoked_at: Instant,
    last_used_at: Instant,
  }),
);
export type ApiTokenResponse = Static<typeof ApiTokenResponse>;

export const CreatedApiTokenResponse = named('CreatedApiToken', Type.Object({ ...ApiTokenResponse.properties, token: Type.String({ description: 'The secret, sent only now' }) }));
export type CreatedApiTokenResponse = Static<typeof CreatedApiTokenResponse>;

export const ExecutorTokenResponse = named(
  'ExecutorToken',
  Type.Object({
    id: Type.String(),
    name: Type.String(),
    created_at: Instant,
    expires_at: Instant,
    revoked_at: Instant,
    last_used_at: Instant,
    created_by: nullable(Type.String({ description: 'The user who made it; null when made with the admin token' })),
  }),
);
export type ExecutorTokenResponse = Static<typeof ExecutorTokenResponse>;

export const CreatedExecutorTokenResponse = named('CreatedExecutorToken', Type.Object({ ...ExecutorTokenResponse.properties, token: Type.String({ description: 'The secret, sent only now' }) }));
export type CreatedExecutorTokenResponse = Static<typeof CreatedExecutorTokenResponse>;

export const AuditEntryResponse = named(
  'AuditEntry',
  Type.Object({
    id: Type.String(),
    at: Instant,
    actor: Type.String({ description: 'e.g. user:alice, token:ci, admin-token' }),
    action: Type.String({ description: 'e.g. task.update' }),
    resource_type: Type.String(),
    resource_id: nullable(Type.String()),
    before: Type.Unknown({ description: 'The resource before the change (any JSON, secrets left out)' }),
    after: Type.Unknown({ description: 'The resource after the change' }),
    ip: nullable(Type.String()),
  }),
);
export type AuditEntryResponse = Static<typeof AuditEntryResponse>;

export const TaskHistoryEntryResponse = named(
  'TaskHistoryEntry',
  Type.Object(
    {
      id: Type.String({ description: 'The audit entry' }),
      at: Instant,
      actor: Type.String({ description: 'e.g. user:alice, token:ci, admin-token' }),
      action: Type.String({ description: 'task.create, task.update, task.pause, task.resume, task.delete or task.restore' }),
      version: nullable(Type.Integer({ description: 'The task version after the change' })),
      changes: Type.Array(Type.Object({ field: Type.String(), before: Type.Unknown(), after: Type.Unknown() }), {
        description: 'task.update: the fields it changed, old and new as the API shows them (secrets stay {"secret":true}); empty for other actions',
      }),
    },
    { description: 'A change to a task, from the audit log' },
  ),
);
export type TaskHistoryEntryResponse = Static<typeof TaskHistoryEntryResponse>;

export const SessionResponse = named('Session', Type.Object({ user: ref(UserResponse), csrf_token: Type.String({ description: 'Send it as X-CSRF-Token with every change' }) }));
export type SessionResponse = Static<typeof SessionResponse>;

export const CallerResponse = named(
  'Caller',
  Type.Object(
    {
      user: nullable(ref(UserResponse), { description: 'The signed-in user; null for a token' }),
      token: Type.Optional(Type.Object({ id: nullable(Type.String({ description: 'null for the admin token' })), name: Type.String(), role: oneOf(roles) })),
      csrf_token: nullable(Type.String({ description: "A session's CSRF token; null for a token" })),
    },
    { description: 'Who is calling: a signed-in user, or an API token (or the admin token)' },
  ),
);
export type CallerResponse = Static<typeof CallerResponse>;

// Pages -----------------------------------------------------------------------------------

/** A page of a list; lists that are never paged send everything as page 1. */
export function page<T extends Named>(item: T) {
  return named(`${item.$id}Page`, Type.Object({ items: Type.Array(ref(item)), total: Type.Integer(), page: Type.Integer(), page_size: Type.Integer() }, { description: `A page of ${item.$id} items` }));
}

export const TaskPage = page(TaskResponse);
export const ExecutionPage = page(ExecutionResponse);
export const ExecutorPage = page(ExecutorResponse);
export const UserPage = page(UserResponse);
export const ApiTokenPage = page(ApiTokenResponse);
export const ExecutorTokenPage = page(ExecutorTokenResponse);
export const AuditEntryPage = page(AuditEntryResponse);
export const TaskHistoryEntryPage = page(TaskHistoryEntryResponse);
/** The list answer's shape, whatever its items. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

// System and statistics -------------------------------------------------------------------

export const ProbeResponse = named('Probe', Type.Object({ status: oneOf(['ok', 'ready'] as const), instance_id: Type.String(), leader: Type.Boolean({ description: 'This instance is the scheduler leader' }) }));
export type ProbeResponse = Static<typeof ProbeResponse>;

const ExecutorCounts = Type.Object({ total: Type.Integer(), online: Type.Integer(), healthy: Type.Integer() });

export const SystemStatusResponse = named(
  'SystemStatus',
  Type.Object({
    instance_id: Type.String(),
    version: Type.String(),
    leader: nullable(Type.Object({ instance_id: Type.String(), fencing_token: Type.Integer() })),
    is_leader: Type.Boolean(),
    instances: Type.Array(
      Type.Object({
        id: Type.String(),
        hostname: Type.String(),
        pid: Type.Integer(),
        version: Type.String(),
        address: nullable(Type.String()),
        started_at: Instant,
        last_heartbeat: Instant,
        heartbeat_age_ms: Type.Integer(),
        is_leader: Type.Boolean(),
      }),
    ),
    executors: ExecutorCounts,
    running: Type.Integer(),
    pending: Type.Integer(),
    tasks: Type.Record(Type.String(), Type.Integer(), { description: 'Tasks by status' }),
    executor_list: Type.Array(ref(ExecutorResponse)),
    retention: Type.Object(
      {
        execution_retention_days: Type.Integer({ minimum: 0, description: 'Finished executions scheduled longer ago are deleted with their logs (each task keeps its newest); 0: kept forever' }),
        log_retention_days: Type.Integer({ minimum: 0, description: 'Log chunks of finished executions scheduled longer ago are deleted; the execution stays (log_expired); 0: kept forever' }),
        audit_retention_days: Type.Integer({ minimum: 0, description: 'Audit entries older than this are deleted; 0: kept forever' }),
        executor_retention_days: Type.Integer({ minimum: 0, description: 'Agents offline longer than this are removed (HTTP executors are kept); 0: never' }),
        cleanup_interval_seconds: Type.Integer({ minimum: 1, description: 'How often the leader runs the cleanup' }),
      },
      { description: 'History retention as configured on the instance that answers (the leader enforces its own: keep them the same on every instance)' },
    ),
    database: Type.Object({
      size_bytes: nullable(
        Type.Integer({ description: "The database's size on disk: SQLite the pages in use (page_count × page_size), PostgreSQL pg_database_size, MariaDB the tables' data and indexes; null when it cannot be read" }),
      ),
    }),
  }),
);
export type SystemStatusResponse = Static<typeof SystemStatusResponse>;

/** A count per execution status, every status present. */
const StatusCounts = Type.Object(Object.fromEntries(executionStatuses.map((status) => [status, Type.Integer()])) as Record<ExecutionStatus, ReturnType<typeof Type.Integer>>);
const TrendBucket = Type.Object({ bucket: Instant, ...StatusCounts.properties }, { description: 'Counts by status of the executions scheduled in one bucket (hour or day) starting at `bucket`' });
export type TrendBucket = Static<typeof TrendBucket>;
/** One task's bucket: the counts, and that bucket's own success rate and average duration (the health-over-time chart). */
const TaskTrendBucket = Type.Object(
  {
    ...TrendBucket.properties,
    total: Type.Integer({ description: 'Executions of every status in the bucket' }),
    success_rate: nullable(Type.Number({ description: 'success / (success + failed + timeout) in the bucket, 0 to 1; null: no outcome that bucket' })),
    avg_duration_ms: nullable(Type.Integer({ description: 'Mean end - start of the outcomes (success, failed, timeout) in the bucket; null: none' })),
  },
  { description: 'One bucket (hour or day, UTC) of a task: counts by status, total, success rate and average duration' },
);

const StatsWindow = {
  bucket: oneOf(['hour', 'day'] as const),
  from: Instant,
  to: Instant,
  total: Type.Integer(),
  by_status: StatusCounts,
  success_rate: nullable(Type.Number({ description: 'success / (success + failed + timeout), 0 to 1; null: no outcome' })),
  timezone: Type.Literal('UTC', { description: 'Hours and days of the buckets are those of this time zone' }),
};

export const TaskStatsResponse = named(
  'TaskStats',
  Type.Object({
    task_id: Type.String(),
    window: oneOf(['24h', '7d', '90d'] as const),
    ...StatsWindow,
    avg_duration_ms: nullable(Type.Integer()),
    p95_duration_ms: nullable(Type.Integer()),
    timeouts: Type.Integer(),
    health_score: nullable(Type.Integer({ description: '0–100: half the window success rate, half that of the latest 10 outcomes' })),
    trend: Type.Array(TaskTrendBucket, { description: 'One entry per bucket of the window, oldest first, empty buckets included: hourly for 24h, daily for 7d and 90d' }),
  }),
);
export type TaskStatsResponse = Static<typeof TaskStatsResponse>;

export const OverviewResponse = named(
  'Overview',
  Type.Object({
    window: oneOf(['24h', '7d'] as const),
    ...StatsWindow,
    timeline: Type.Array(TrendBucket),
    running: Type.Integer(),
    pending: Type.Integer(),
    executors: ExecutorCounts,
    leader: nullable(Type.Object({ instance_id: Type.String() })),
    top_failing: Type.Array(Type.Object({ task_id: Type.String(), name: Type.String(), failures: Type.Integer(), last_failure_at: Instant })),
  }),
);
export type OverviewResponse = Static<typeof OverviewResponse>;

/** Every named schema, for the server to register once (routes point at them with ref()). */
export const namedResponseSchemas: readonly Named[] = [
  ErrorResponse,
  TaskResponse,
  TaskPage,
  FireTimesResponse,
  SchedulePreviewResponse,
  ExecutionResponse,
  ExecutionPage,
  LogLineResponse,
  LogPageResponse,
  TaskStopResponse,
  ExecutorResponse,
  ExecutorPage,
  RegisteredExecutorResponse,
  UserResponse,
  UserPage,
  CreatedUserResponse,
  ApiTokenResponse,
  ApiTokenPage,
  CreatedApiTokenResponse,
  ExecutorTokenResponse,
  ExecutorTokenPage,
  CreatedExecutorTokenResponse,
  AuditEntryResponse,
  AuditEntryPage,
  TaskHistoryEntryResponse,
  TaskHistoryEntryPage,
  SessionResponse,
  CallerResponse,
  ProbeResponse,
  SystemStatusResponse,
  TaskStatsResponse,
  OverviewResponse,
];
