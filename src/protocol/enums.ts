// Every enumeration of the wire contract, defined once: the server (domain, REST schemas),
// the CLI and the web UI take their lists and types from here, so adding a value is one
// edit and a client can never offer a value the server refuses.

export const taskTypes = ['command', 'script', 'http', 'docker', 'handler'] as const;
export type TaskType = (typeof taskTypes)[number];

export const taskStatuses = ['active', 'paused', 'deleted'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/** What happens when a fire comes while a run of the task is still going (DESIGN.md §5). */
export const executionModes = ['parallel', 'sequential', 'queue', 'skip', 'replace'] as const;
export type ExecutionMode = (typeof executionModes)[number];

export const loadBalanceStrategies = ['round_robin', 'weighted_round_robin', 'random', 'sticky', 'least_loaded', 'consistent_hash', 'failover', 'broadcast'] as const;
export type LoadBalanceStrategy = (typeof loadBalanceStrategies)[number];

/**
 * How a task's cron expression is read (README "Cron dialects"): `standard` is Unix cron
 * (5 fields, optional seconds first; day-of-week 0 or 7 = Sunday … 6 = Saturday); `quartz`
 * is Quartz / XXL-JOB (6 or 7 fields, seconds first, optional year last; day-of-week
 * 1 = Sunday … 7 = Saturday; `?` in exactly one of day-of-month and day-of-week).
 */
export const cronDialects = ['standard', 'quartz'] as const;
export type CronDialect = (typeof cronDialects)[number];

/**
 * The five fields each cron nickname stands for (@reboot has none): the CLI's crontab
 * import writes them in place of the nickname, the web UI describes a nickname by them.
 */
export const cronNicknames: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export const misfirePolicies = ['skip', 'run_once', 'run_all'] as const;
export type MisfirePolicy = (typeof misfirePolicies)[number];

export const scriptInterpreters = ['sh', 'bash', 'python3', 'node'] as const;

/**
 * What the server takes for a task field a request leaves out (domain/task.ts applies them);
 * the console's new-task form starts from the same values, so what it shows is what an
 * API client gets.
 */
export const taskDefaults = {
  timezone: 'UTC',
  cronDialect: 'standard',
  shell: false,
  executionMode: 'parallel',
  loadBalanceStrategy: 'round_robin',
  maxRetry: 0,
  retryBackoffSeconds: 10,
  retryBackoffMaxSeconds: 600,
  timeoutSeconds: 300,
  misfirePolicy: 'run_once',
  misfireGraceSeconds: 10,
  maxQueued: 1,
  dispatchTimeoutSeconds: 300,
  priority: 0,
} as const satisfies {
  timezone: string;
  cronDialect: CronDialect;
  shell: boolean;
  executionMode: ExecutionMode;
  loadBalanceStrategy: LoadBalanceStrategy;
  misfirePolicy: MisfirePolicy;
  [field: string]: unknown;
};

export const executionStatuses = ['pending', 'running', 'success', 'failed', 'timeout', 'skipped', 'cancelled'] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];

export const executionTriggers = ['schedule', 'manual', 'retry', 'dependency', 'backfill'] as const;
export type ExecutionTrigger = (typeof executionTriggers)[number];

export const executorStatuses = ['online', 'offline', 'maintenance'] as const;
export type ExecutorStatus = (typeof executorStatuses)[number];

/** Least to most: each role may do what the ones before it may. */
export const roles = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof roles)[number];

/** The `instance_id` space of the built-in executor of `cronfleet up`: refused over the network, never removable. */
export const IN_PROCESS_INSTANCE_PREFIX = 'local@';

// What a task name may be, shared by the server, the CLI and the web form. Names address
// tasks (the CLI's `cronfleet task run <name>`, search, the audit log), so they may use the
// letters and digits of any script (数据同步任务, Überweisung, backup-2) and the few
// punctuation marks that read the same everywhere, but nothing that breaks a URL path
// segment, a shell argument or a terminal: no slashes, control, format or zero-width
// characters, no leading or trailing spaces, no other symbols. A name is stored composed
// (NFC), so two spellings of the same text (a decomposed "é" and a composed one) are one name.

/** Longest name, in characters (code points) after composing. */
export const TASK_NAME_MAX_LENGTH = 128;

// First a letter or digit; then letters, combining marks, digits, spaces and _ . : -; never a space last.
const TASK_NAME = /^[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}_.: -]*[\p{L}\p{M}\p{N}_.:-])?$/u;

/** The stored form of a name a client sent: composed (NFC); nothing else changes. */
export function normalizeTaskName(raw: string): string {
  return raw.normalize('NFC');
}

/** True when a (normalised) name follows the rule above. */
export function isTaskName(name: string): boolean {
  return TASK_NAME.test(name) && [...name].length <= TASK_NAME_MAX_LENGTH;
}

/** Where alerts go (README "Alerts"): each type speaks its receiver's own wire format. */
export const channelTypes = ['webhook', 'email', 'slack', 'feishu', 'dingtalk', 'wecom'] as const;
export type ChannelType = (typeof channelTypes)[number];

/** The language a channel's messages are written in. */
export const channelLocales = ['en', 'zh-CN'] as const;
export type ChannelLocale = (typeof channelLocales)[number];

/** What an alert rule can watch (README "Alerts"). */
export const alertEvents = ['failed', 'timeout', 'executor_lost', 'misfire', 'no_executor', 'recovered', 'consecutive_failures', 'no_success', 'executor_offline', 'no_leader'] as const;
export type AlertEvent = (typeof alertEvents)[number];

/** An alert's delivery: waiting to be sent (or retried), being sent, sent, given up, or held back by throttling or a mute. */
export const alertStatuses = ['pending', 'sending', 'sent', 'failed', 'suppressed'] as const;
export type AlertStatus = (typeof alertStatuses)[number];

/** When a workflow step's dependency counts as met (README "Workflows"): the upstream step succeeded, failed (or timed out), or ended whatever the outcome. */
export const dependencyConditions = ['success', 'failure', 'complete'] as const;
export type DependencyCondition = (typeof dependencyConditions)[number];

/** What a failed step does to the rest of its workflow run: stop cancels the steps not started yet; continue lets them run where their dependencies allow. */
export const workflowFailurePolicies = ['stop', 'continue'] as const;
export type WorkflowFailurePolicy = (typeof workflowFailurePolicies)[number];

/** A workflow run: running until every step has ended; skipped when its fire was missed (misfire policy). */
export const workflowRunStatuses = ['running', 'success', 'failed', 'skipped'] as const;
export type WorkflowRunStatus = (typeof workflowRunStatuses)[number];

/** A step in a run: waiting for its dependencies, else the status of its execution (its latest attempt). */
export const workflowStepStates = ['waiting', ...executionStatuses] as const;

/** What starts a workflow run: its schedule, a person, a backfill, or a task's on_success_trigger (a chain). */
export const workflowRunTriggers = ['schedule', 'manual', 'backfill', 'dependency'] as const;
export type WorkflowRunTrigger = (typeof workflowRunTriggers)[number];
