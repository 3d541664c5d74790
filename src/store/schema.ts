// Row types of every table, as Kysely sees them. Times are epoch milliseconds
// (BIGINT), JSON is TEXT: the same representation on SQLite, PostgreSQL and MySQL.
export interface TasksTable {
  id: string;
  name: string;
  live_name: string | null;
  description: string;
  tags: string;
  cron_expression: string | null;
  timezone: string;
  cron_dialect: string;
  type: string;
  spec: string;
  parameters: string;
  execution_mode: string;
  load_balance_strategy: string;
  executor_labels: string;
  max_retry: number;
  retry_backoff_seconds: number;
  retry_backoff_max_seconds: number;
  timeout_seconds: number;
  misfire_policy: string;
  misfire_grace_seconds: number;
  max_queued: number;
  dispatch_timeout_seconds: number;
  /** Keep at most this many finished executions (migration 014); null = no limit. */
  history_limit: number | null;
  /** Dispatch order under saturation, higher first (migration 019; optional on insert: the default 0). */
  priority?: number;
  /** The tasks a success of this one starts: a JSON list of ids, null for none (migration 020). */
  on_success_trigger?: string | null;
  status: string;
  next_fire_at: number | null;
  last_fire_at: number | null;
  version: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

interface TaskExecutorsTable {
  task_id: string;
  executor_id: string;
  weight: number;
  priority: number;
}

export interface ExecutionsTable {
  id: string;
  task_id: string;
  task_version: number;
  trigger: string;
  scheduled_time: number;
  /** Set only for schedule fires: UNIQUE (task_id, fire_time) is the exactly-once fire ledger. */
  fire_time: number | null;
  parameters: string;
  status: string;
  executor_id: string | null;
  attempt: number;
  retry_of: string | null;
  run_at: number | null;
  start_time: number | null;
  end_time: number | null;
  /** When a running execution is overdue: start + timeout + grace (set at dispatch). */
  deadline_at: number | null;
  exit_code: number | null;
  result: string | null;
  error: string | null;
  /** The message `error` was worded from (JSON {key, params}), when it has one: migration 016 (optional on insert: NULL). */
  error_detail?: string | null;
  reason: string | null;
  /** The message a waiting execution's `reason` was worded from (JSON), while it matches it: migration 016. */
  reason_detail?: string | null;
  log_bytes: number;
  shard_index: number | null;
  shard_total: number | null;
  parent_id: string | null;
  delivered_at: number | null;
  stop_requested: string | null;
  stop_delivered_at: number | null;
  /** 1 once retention deleted the log chunks (migration 014). */
  log_expired: number;
  /** The workflow run and step it belongs to (migration 020; null outside workflows). */
  workflow_run_id?: string | null;
  workflow_step?: string | null;
  created_at: number;
  updated_at: number;
}

/** Per task and UTC day of scheduled_time: the executions retention deleted (migration 014). */
interface ExecutionRollupsTable {
  task_id: string;
  day: number;
  success: number;
  failed: number;
  timeout: number;
  skipped: number;
  cancelled: number;
  timed_count: number;
  timed_sum_ms: number;
  duration_histogram: string;
  last_failure_at: number | null;
}

interface ExecutionLogsTable {
  execution_id: string;
  seq: number;
  stream: string;
  chunk: string;
  created_at: number;
}

export interface ExecutorsTable {
  id: string;
  name: string;
  instance_id: string;
  kind: string;
  base_url: string | null;
  health_check_url: string | null;
  labels: string;
  capacity: number;
  runners: string;
  status: string;
  is_healthy: number;
  last_heartbeat: number | null;
  last_health_check: number | null;
  health_check_failures: number;
  connected_to: string | null;
  metadata: string;
  version: string | null;
  secret_hash: string | null;
  /** The callback secret sealed with the cluster's secret key (secret-cipher.ts). */
  callback_secret_sealed: string | null;
  /** The executor token an agent enrolled with (migration 008); null until its first hello. */
  executor_token_id: string | null;
  created_at: number;
  updated_at: number;
}

interface ExecutorTokensTable {
  id: string;
  name: string;
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  /** The user who made it; null when made with the admin token (migration 010). */
  created_by: string | null;
}

interface SchedulerInstancesTable {
  id: string;
  hostname: string;
  pid: number;
  version: string;
  address: string | null;
  started_at: number;
  last_heartbeat: number;
}

interface LeasesTable {
  name: string;
  holder: string;
  token: number;
  expires_at: number;
}

interface LoadBalanceStateTable {
  state_key: string;
  value: string;
  updated_at: number;
}

export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  role: string;
  disabled: number;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  token_hash: string;
  role: string;
  user_id: string | null;
  created_by: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

interface AuditLogTable {
  id: string;
  at: number;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  before_state: string | null;
  after_state: string | null;
  ip: string | null;
}

/** Cluster-wide settings by name (the secret key's fingerprint). */
interface SettingsTable {
  name: string;
  value: string;
  updated_at: number;
}

export interface WorkflowsTable {
  id: string;
  name: string;
  live_name: string | null;
  cron_expression: string | null;
  timezone: string;
  cron_dialect: string;
  misfire_policy: string;
  /** The steps and on_failure, as JSON (domain/workflow.ts RunPlan). */
  definition: string;
  status: string;
  next_fire_at: number | null;
  last_fire_at: number | null;
  version: number;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface WorkflowRunsTable {
  id: string;
  workflow_id: string | null;
  trigger: string;
  scheduled_time: number;
  /** Set for schedule fires and backfills: UNIQUE (workflow_id, fire_time) is the workflows' fire ledger. */
  fire_time: number | null;
  source_execution_id: string | null;
  parameters: string;
  /** The snapshot of steps and on_failure the run follows. */
  definition: string;
  status: string;
  created_at: number;
  updated_at: number;
  end_time: number | null;
}

export interface Database {
  tasks: TasksTable;
  task_executors: TaskExecutorsTable;
  executions: ExecutionsTable;
  execution_logs: ExecutionLogsTable;
  execution_rollups: ExecutionRollupsTable;
  executors: ExecutorsTable;
  scheduler_instances: SchedulerInstancesTable;
  leases: LeasesTable;
  load_balance_state: LoadBalanceStateTable;
  executor_tokens: ExecutorTokensTable;
  settings: SettingsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  workflows: WorkflowsTable;
  workflow_runs: WorkflowRunsTable;
}
