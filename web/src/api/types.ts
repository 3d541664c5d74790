// Wire shapes the UI reads (snake_case, as the REST API sends them). Fields the server
// may not send yet are optional so the UI degrades instead of crashing.

// The enumerations are the server's own (src/protocol/enums.ts), never a copy.
import type { ExecutionStatus, Role, TaskStatus, TaskType } from '../../../src/protocol/enums.ts';

export type { ExecutionStatus, Role, TaskStatus, TaskType };
export { executionModes, executionStatuses, loadBalanceStrategies, misfirePolicies, taskTypes } from '../../../src/protocol/enums.ts';

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

export interface User {
  id: string;
  username: string;
  role: Role;
  disabled?: boolean;
  created_at?: string;
  last_login_at?: string | null;
  /** Signed in with an API token rather than a password. */
  viaToken?: boolean;
}

/** A secret value as the server returns it: never the value itself. */
export type SecretPlaceholder = { secret: true | string };
export type MaybeSecret = string | SecretPlaceholder;

export interface Task {
  id: string;
  name: string;
  description?: string;
  tags?: string[];
  cron_expression: string | null;
  timezone: string;
  type: TaskType;
  command?: string;
  args?: string[];
  shell?: boolean;
  env?: Record<string, MaybeSecret>;
  cwd?: string | null;
  script?: { interpreter?: string; body: string; env?: Record<string, MaybeSecret> };
  http?: { method?: string; url: string; headers?: Record<string, MaybeSecret>; body?: unknown; expect_status?: number | number[] };
  docker?: { image: string; command?: string | string[]; env?: Record<string, MaybeSecret> };
  handler?: string;
  parameters?: Record<string, unknown>;
  execution_mode: string;
  load_balance_strategy: string;
  executor_labels?: Record<string, string>;
  executors?: { executor: string; weight?: number; priority?: number }[];
  max_retry: number;
  retry_backoff_seconds?: number;
  retry_backoff_max_seconds?: number;
  timeout_seconds: number;
  misfire_policy: string;
  misfire_grace_seconds?: number;
  status: TaskStatus;
  next_fire_at: string | null;
  last_fire_at: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Execution {
  id: string;
  task_id: string;
  task_name?: string | null;
  trigger: string;
  scheduled_time: string | null;
  parameters?: Record<string, unknown>;
  status: ExecutionStatus;
  executor_id: string | null;
  attempt: number;
  retry_count: number;
  retry_of?: string | null;
  run_at?: string | null;
  start_time: string | null;
  end_time: string | null;
  duration_ms: number | null;
  exit_code: number | null;
  result: unknown;
  error: string | null;
  reason?: string | null;
  shard_index?: number | null;
  shard_total?: number | null;
  created_at: string;
}

export interface LogLine {
  seq: number;
  stream: string;
  chunk: string;
  time?: string;
}

export interface Executor {
  id: string;
  name: string;
  instance_id: string;
  kind: 'agent' | 'http';
  base_url: string | null;
  health_check_url: string | null;
  labels: Record<string, string>;
  capacity: number;
  running: number;
  runners?: string[];
  status: 'online' | 'offline' | 'maintenance';
  is_healthy: boolean;
  last_heartbeat: string | null;
  heartbeat_age_ms: number | null;
  last_health_check?: string | null;
  health_check_failures?: number;
  version?: string | null;
  metadata?: Record<string, unknown>;
  callback_secret?: string;
}

export interface SchedulerInstance {
  id: string;
  hostname: string;
  pid: number;
  version: string;
  address: string | null;
  started_at: string | null;
  last_heartbeat: string | null;
  heartbeat_age_ms: number;
  is_leader: boolean;
}

export interface SystemStatus {
  instance_id: string;
  version: string;
  leader: { instance_id: string; fencing_token: number } | null;
  is_leader: boolean;
  instances: SchedulerInstance[];
  executors: { total: number; online: number; healthy: number };
  running: number;
  pending: number;
  tasks: Record<string, number>;
}

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  created_at?: string;
  expires_at?: string | null;
  last_used_at?: string | null;
  token?: string;
}

export interface ExecutorToken {
  id: string;
  name?: string;
  created_at?: string;
  expires_at?: string | null;
  token?: string;
  [key: string]: unknown;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  before?: unknown;
  after?: unknown;
}

export type StatusCounts = Record<ExecutionStatus, number>;
export type TrendBucket = { bucket: string | null } & StatusCounts;

export interface Overview {
  window: string;
  bucket: 'hour' | 'day';
  total: number;
  by_status: StatusCounts;
  success_rate: number | null;
  timeline: TrendBucket[];
  running: number;
  pending: number;
  executors: { online: number; healthy: number; total: number };
  leader: { instance_id: string } | null;
  top_failing: { task_id: string; name: string; failures: number; last_failure_at: string | null }[];
}

export interface TaskStats {
  window: string;
  bucket: 'hour' | 'day';
  total: number;
  by_status: StatusCounts;
  success_rate: number | null;
  avg_duration_ms: number | null;
  p95_duration_ms: number | null;
  timeouts: number;
  health_score: number | null;
  trend: TrendBucket[];
}
