// One config shape with its defaults in one place. Sources, lowest to highest
// precedence: defaults < YAML file < environment (CRONFLEET_*) < command-line flags.
// Resolved once into a frozen object; any bad value fails fast naming its key.
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CronfleetError } from '../protocol/errors.ts';
import { configError, logFormats, parseLabels, serverRoles, type LogFormat, type ServerRole } from './values.ts';
import { tracingSettings, type TracingSettings } from './tracing.ts';

export interface Config {
  readonly port: number;
  readonly host: string;
  /** sqlite:./data/cronfleet.db (default), later postgres:// or mysql:// */
  readonly database: string;
  /** Connections per instance to PostgreSQL/MySQL (SQLite uses one). */
  readonly databasePoolMax: number;
  readonly dataDir: string;
  readonly adminToken: string | null;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** auto: readable text on a terminal, JSON lines elsewhere. */
  readonly logFormat: LogFormat;
  readonly role: ServerRole;
  readonly instanceId: string | null;
  readonly metricsPublic: boolean;
  /** Per-task series in /metrics (off for very large installations). */
  readonly metricsTaskLabels: boolean;
  readonly leaseTtlSeconds: number;
  readonly leaseRenewSeconds: number;
  readonly heartbeatIntervalSeconds: number;
  /** The base URL executors use to reach this instance (HTTP executor callbacks); null = derived from the listen address. */
  readonly publicUrl: string | null;
  readonly healthCheckIntervalSeconds: number;
  readonly healthCheckTimeoutSeconds: number;
  readonly healthCheckFailureThreshold: number;
  readonly healthCheckRecoveryThreshold: number;
  /** HTTPS/WSS: PEM certificate chain and private key files; both or neither. */
  readonly tlsCert: string | null;
  readonly tlsKey: string | null;
  /** Browser origins allowed to call the API cross-site; empty = CORS off. */
  readonly corsOrigins: readonly string[];
  /** Requests per minute per client on /api (0 = unlimited). */
  readonly rateLimitPerMinute: number;
  /** Login attempts per minute per client address and user name. */
  readonly loginRateLimitPerMinute: number;
  /** Largest request body accepted, in bytes. */
  readonly bodyLimitBytes: number;
  /** How long a UI login lasts without activity. */
  readonly sessionTtlMinutes: number;
  /** Key for secrets at rest (32 bytes, base64); null = generated in the data dir (single instance only). */
  readonly secretKey: string | null;
  /** History retention, enforced by the leader (README "History retention"); 0 days = kept forever. */
  readonly retention: {
    readonly executionDays: number;
    readonly logDays: number;
    readonly auditDays: number;
    readonly executorDays: number;
    readonly cleanupIntervalSeconds: number;
  };
  readonly localExecutor: {
    readonly name: string;
    readonly capacity: number;
    readonly labels: Readonly<Record<string, string>>;
    /** Safety settings (README "Executor safety"): program globs, user, ceilings; 0 = none. */
    readonly allowCommands: readonly string[];
    readonly runAs: string | null;
    readonly maxTimeoutSeconds: number;
    readonly maxMemoryMb: number;
    readonly maxOutputBytes: number;
    readonly allowLinkLocal: boolean;
  };
  /** OpenTelemetry tracing from the standard OTEL_* variables (tracing.ts); null = off. */
  readonly tracing: TracingSettings | null;
}

type Kind = 'port' | 'string' | 'nullable' | 'url' | 'level' | 'logFormat' | 'role' | 'boolean' | 'seconds' | 'capacity' | 'count' | 'limit' | 'bytes' | 'list' | 'labels' | 'days' | 'interval';

/** Every key: its YAML path (snake_case), its kind and default. Env name = CRONFLEET_ + path in upper case, dots as underscores. */
const keys: Array<{ path: string; kind: Kind; fallback: unknown }> = [
  { path: 'port', kind: 'port', fallback: 8080 },
  { path: 'host', kind: 'string', fallback: '0.0.0.0' },
  { path: 'database', kind: 'nullable', fallback: null },
  { path: 'database_pool_max', kind: 'count', fallback: 10 },
  { path: 'data_dir', kind: 'string', fallback: './data' },
  { path: 'admin_token', kind: 'nullable', fallback: null },
  { path: 'log_level', kind: 'level', fallback: 'info' },
  { path: 'log_format', kind: 'logFormat', fallback: 'auto' },
  { path: 'role', kind: 'role', fallback: 'all' },
  { path: 'instance_id', kind: 'nullable', fallback: null },
  { path: 'metrics_public', kind: 'boolean', fallback: false },
  { path: 'metrics_task_labels', kind: 'boolean', fallback: true },
  { path: 'lease_ttl_seconds', kind: 'seconds', fallback: 5 },
  { path: 'lease_renew_seconds', kind: 'seconds', fallback: 1 },
  // Executors heartbeat this often. Liveness derives from it (protocol/executor-messages.ts):
  // a link silent for 2 intervals is terminated, an executor without a heartbeat for 2
  // intervals is lost, judged by a sweep every half interval: 12.5 s at the default 5.
  { path: 'heartbeat_interval_seconds', kind: 'seconds', fallback: 5 },
  { path: 'public_url', kind: 'url', fallback: null },
  // HTTP executors' health checks (seed 001 §4.2.2): every 30 s; 3 failures in a row make
  // an executor unhealthy, 2 successes in a row make it healthy again.
  { path: 'health_check_interval_seconds', kind: 'seconds', fallback: 30 },
  { path: 'health_check_timeout_seconds', kind: 'seconds', fallback: 10 },
  { path: 'health_check_failure_threshold', kind: 'count', fallback: 3 },
  { path: 'health_check_recovery_threshold', kind: 'count', fallback: 2 },
  { path: 'tls_cert', kind: 'nullable', fallback: null },
  { path: 'tls_key', kind: 'nullable', fallback: null },
  { path: 'cors_origins', kind: 'list', fallback: [] },
  { path: 'rate_limit_per_minute', kind: 'limit', fallback: 6000 },
  { path: 'login_rate_limit_per_minute', kind: 'count', fallback: 10 },
  { path: 'body_limit_bytes', kind: 'bytes', fallback: 1024 * 1024 },
  { path: 'session_ttl_minutes', kind: 'count', fallback: 720 },
  { path: 'secret_key', kind: 'nullable', fallback: null },
  // History retention (issue 15; seed 004's CleanupInterval): the leader deletes finished
  // executions, their logs, audit entries and long-offline agents older than these, every
  // cleanup interval. 0 days keeps them forever.
  { path: 'execution_retention_days', kind: 'days', fallback: 30 },
  { path: 'log_retention_days', kind: 'days', fallback: 14 },
  { path: 'audit_retention_days', kind: 'days', fallback: 365 },
  { path: 'executor_retention_days', kind: 'days', fallback: 7 },
  { path: 'cleanup_interval_seconds', kind: 'interval', fallback: 3600 },
  { path: 'local_executor.name', kind: 'string', fallback: 'local' },
  { path: 'local_executor.capacity', kind: 'capacity', fallback: 8 },
  { path: 'local_executor.labels', kind: 'labels', fallback: {} },
  // The local executor's safety settings, as `cronfleet executor`'s flags (executor/policy.ts):
  // empty allowlist = any program; 0 = no timeout ceiling / no memory limit.
  { path: 'local_executor.allow_commands', kind: 'list', fallback: [] },
  { path: 'local_executor.run_as', kind: 'nullable', fallback: null },
  { path: 'local_executor.max_timeout_seconds', kind: 'limit', fallback: 0 },
  { path: 'local_executor.max_memory_mb', kind: 'limit', fallback: 0 },
  { path: 'local_executor.max_output_bytes', kind: 'bytes', fallback: 768 * 1024 },
  { path: 'local_executor.allow_link_local', kind: 'boolean', fallback: false },
];

/** Every key's YAML path (test/packaging checks the deploy files' CRONFLEET_* names against them). */
export const configKeyPaths: readonly string[] = keys.map((key) => key.path);

const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface ConfigSources {
  /** Path from --config; else ./cronfleet.yaml when it exists. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Flags already named by their config path, e.g. { port: '9090', data_dir: './x' }. */
  flags?: Record<string, unknown>;
}

function envName(path: string): string {
  return `CRONFLEET_${path.toUpperCase().replace(/\./g, '_')}`;
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? {};
  const filePath = sources.file ?? (existsSync('cronfleet.yaml') ? 'cronfleet.yaml' : undefined);
  const fromFile = filePath ? readConfigFile(filePath) : {};
  const values = new Map<string, unknown>();
  for (const { path, kind, fallback } of keys) {
    const flag = sources.flags?.[path];
    const fromEnv = env[envName(path)];
    const fileValue = lookup(fromFile, path);
    const [raw, origin] =
      flag !== undefined
        ? [flag, `flag --${path.replace(/_/g, '-')}`]
        : fromEnv !== undefined
          ? [fromEnv, `environment variable ${envName(path)}`]
          : fileValue !== undefined
            ? [fileValue, `${filePath}: ${path}`]
            : [fallback, 'default'];
    values.set(path, coerce(path, kind, raw, origin));
  }
  const get = <T>(path: string) => values.get(path) as T;
  const dataDir = resolve(get<string>('data_dir'));
  const config: Config = {
    port: get('port'),
    host: get('host'),
    database: get<string | null>('database') ?? `sqlite:${join(dataDir, 'cronfleet.db')}`,
    databasePoolMax: get('database_pool_max'),
    dataDir,
    adminToken: get('admin_token'),
    logLevel: get('log_level'),
    logFormat: get('log_format'),
    role: get('role'),
    instanceId: get('instance_id'),
    metricsPublic: get('metrics_public'),
    metricsTaskLabels: get('metrics_task_labels'),
    leaseTtlSeconds: get('lease_ttl_seconds'),
    leaseRenewSeconds: get('lease_renew_seconds'),
    heartbeatIntervalSeconds: get('heartbeat_interval_seconds'),
    publicUrl: get('public_url'),
    healthCheckIntervalSeconds: get('health_check_interval_seconds'),
    healthCheckTimeoutSeconds: get('health_check_timeout_seconds'),
    healthCheckFailureThreshold: get('health_check_failure_threshold'),
    healthCheckRecoveryThreshold: get('health_check_recovery_threshold'),
    tlsCert: get('tls_cert'),
    tlsKey: get('tls_key'),
    corsOrigins: Object.freeze(get<string[]>('cors_origins')),
    rateLimitPerMinute: get('rate_limit_per_minute'),
    loginRateLimitPerMinute: get('login_rate_limit_per_minute'),
    bodyLimitBytes: get('body_limit_bytes'),
    sessionTtlMinutes: get('session_ttl_minutes'),
    secretKey: get('secret_key'),
    retention: Object.freeze({
      executionDays: get<number>('execution_retention_days'),
      logDays: get<number>('log_retention_days'),
      auditDays: get<number>('audit_retention_days'),
      executorDays: get<number>('executor_retention_days'),
      cleanupIntervalSeconds: get<number>('cleanup_interval_seconds'),
    }),
    localExecutor: Object.freeze({
      name: get<string>('local_executor.name'),
      capacity: get<number>('local_executor.capacity'),
      labels: Object.freeze(get<Record<string, string>>('local_executor.labels')),
      allowCommands: Object.freeze(get<string[]>('local_executor.allow_commands')),
      runAs: get<string | null>('local_executor.run_as'),
      maxTimeoutSeconds: get<number>('local_executor.max_timeout_seconds'),
      maxMemoryMb: get<number>('local_executor.max_memory_mb'),
      maxOutputBytes: get<number>('local_executor.max_output_bytes'),
      allowLinkLocal: get<boolean>('local_executor.allow_link_local'),
    }),
    tracing: tracingSettings(env, 'cronfleet-server'),
  };
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    throw configError(config.tlsCert === null ? 'tls_cert' : 'tls_key', 'tls_cert and tls_key must be set together');
  }
  if (config.leaseRenewSeconds >= config.leaseTtlSeconds) {
    throw configError('lease_renew_seconds', `must be less than lease_ttl_seconds (${config.leaseTtlSeconds})`);
  }
  return Object.freeze(config);
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CronfleetError('invalid_config', `cannot read config file ${path}: ${(error as Error).message}`, { file: path });
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text) ?? {};
  } catch (error) {
    throw new CronfleetError('invalid_config', `config file ${path} is not valid YAML: ${(error as Error).message}`, { file: path });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CronfleetError('invalid_config', `config file ${path} must be a YAML mapping of keys to values`, { file: path });
  }
  const known = new Set(keys.map((key) => key.path));
  const walk = (object: Record<string, unknown>, prefix: string) => {
    for (const [key, value] of Object.entries(object)) {
      const fullPath = prefix ? `${prefix}.${key}` : key;
      if (known.has(fullPath)) continue;
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && [...known].some((k) => k.startsWith(`${fullPath}.`))) {
        walk(value as Record<string, unknown>, fullPath);
        continue;
      }
      throw new CronfleetError('invalid_config', `unknown config key '${fullPath}' in ${path}; known keys: ${[...known].join(', ')}`, { key: fullPath, file: path });
    }
  };
  walk(parsed as Record<string, unknown>, '');
  return parsed as Record<string, unknown>;
}

function lookup(object: Record<string, unknown>, path: string): unknown {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function coerce(key: string, kind: Kind, raw: unknown, origin: string): unknown {
  const number = (value: unknown) => (typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN);
  switch (kind) {
    case 'port': {
      const port = number(raw);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw configError(key, `must be a port number from 0 to 65535, got ${JSON.stringify(raw)}`, origin);
      return port;
    }
    case 'seconds': {
      const seconds = number(raw);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) throw configError(key, `must be a number of seconds above 0, got ${JSON.stringify(raw)}`, origin);
      return seconds;
    }
    case 'capacity':
    case 'count': {
      const count = number(raw);
      if (!Number.isInteger(count) || count < 1 || count > 10_000) throw configError(key, `must be an integer from 1 to 10000, got ${JSON.stringify(raw)}`, origin);
      return count;
    }
    case 'limit': {
      const limit = number(raw);
      if (!Number.isInteger(limit) || limit < 0 || limit > 10_000_000) throw configError(key, `must be an integer from 0 (no limit) to 10000000, got ${JSON.stringify(raw)}`, origin);
      return limit;
    }
    case 'days': {
      const days = number(raw);
      if (!Number.isInteger(days) || days < 0 || days > 36_500) throw configError(key, `must be a whole number of days from 0 (keep forever) to 36500, got ${JSON.stringify(raw)}`, origin);
      return days;
    }
    case 'interval': {
      const seconds = number(raw);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 7 * 86_400) throw configError(key, `must be a whole number of seconds from 1 to 604800, got ${JSON.stringify(raw)}`, origin);
      return seconds;
    }
    case 'bytes': {
      const bytes = number(raw);
      if (!Number.isInteger(bytes) || bytes < 1024 || bytes > 1024 ** 3) throw configError(key, `must be a number of bytes from 1024 to 1073741824, got ${JSON.stringify(raw)}`, origin);
      return bytes;
    }
    case 'list': {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
      if (!items || items.some((item) => typeof item !== 'string')) throw configError(key, `must be a list of strings (comma-separated in env and flags), got ${JSON.stringify(raw)}`, origin);
      return (items as string[]).map((item) => item.trim()).filter(Boolean);
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1') return true;
      if (raw === 'false' || raw === '0') return false;
      throw configError(key, `must be true or false, got ${JSON.stringify(raw)}`, origin);
    }
    case 'level': {
      if (typeof raw === 'string' && levels.includes(raw)) return raw;
      throw configError(key, `must be one of ${levels.join(', ')}, got ${JSON.stringify(raw)}`, origin);
    }
    case 'logFormat':
    case 'role': {
      const choices: readonly string[] = kind === 'role' ? serverRoles : logFormats;
      if (typeof raw === 'string' && choices.includes(raw)) return raw;
      throw configError(key, `must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`, origin);
    }
    case 'labels':
      return parseLabels(raw, key, origin);
    case 'url': {
      if (raw === null || raw === undefined || raw === '') return null;
      const url = typeof raw === 'string' && URL.canParse(raw) ? new URL(raw) : null;
      if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw configError(key, `must be an http:// or https:// URL, got ${JSON.stringify(raw)}`, origin);
      return url.href.replace(/\/+$/, ''); // paths are appended to it
    }
    case 'nullable':
      if (raw === null || raw === undefined || raw === '') return null;
      if (typeof raw !== 'string') throw configError(key, `must be a string, got ${JSON.stringify(raw)}`, origin);
      return raw;
    case 'string':
      if (typeof raw !== 'string' || raw === '') throw configError(key, `must be a non-empty string, got ${JSON.stringify(raw)}`, origin);
      return raw;
  }
}
