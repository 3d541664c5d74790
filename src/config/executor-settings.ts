// The agent's settings (`cronfleet executor`), from the same sources as the server's and
// with the same precedence: command-line flags > environment (CRONFLEET_*) > YAML config
// file > defaults. Each value keeps where it came from, so a bad one is named as the user
// wrote it: `--capacity`, `CRONFLEET_CAPACITY` or `agent.yaml: capacity`. The YAML parser is
// loaded only when there is a file to read (the agent process stays small).
import { existsSync, readFileSync } from 'node:fs';
import { CronfleetError } from '../protocol/errors.ts';
import { logFormats, parseLabels, type LogFormat } from './values.ts';

/** The file read when --config is not given, if it exists (the server's is ./cronfleet.yaml). */
const DEFAULT_EXECUTOR_CONFIG = 'cronfleet-executor.yaml';

type Kind = 'string' | 'list' | 'labels' | 'boolean' | 'integer';

/** Every key: its name in the file, its environment variable and its flag (README "Executor settings"). */
export const executorKeys = [
  { key: 'server', env: 'CRONFLEET_SERVER', flag: '--server', kind: 'list' },
  { key: 'token', env: 'CRONFLEET_EXECUTOR_TOKEN', flag: '--token', kind: 'string' },
  { key: 'name', env: 'CRONFLEET_EXECUTOR_NAME', flag: '--name', kind: 'string' },
  { key: 'instance_id', env: 'CRONFLEET_EXECUTOR_INSTANCE_ID', flag: '--instance-id', kind: 'string' },
  { key: 'labels', env: 'CRONFLEET_LABELS', flag: '--labels', kind: 'labels' },
  { key: 'capacity', env: 'CRONFLEET_CAPACITY', flag: '--capacity', kind: 'integer' },
  { key: 'ca', env: 'CRONFLEET_CA', flag: '--ca', kind: 'string' },
  { key: 'runners', env: 'CRONFLEET_RUNNERS', flag: '--runner', kind: 'list' },
  { key: 'allow_commands', env: 'CRONFLEET_ALLOW_COMMANDS', flag: '--allow-command', kind: 'list' },
  { key: 'run_as', env: 'CRONFLEET_RUN_AS', flag: '--run-as', kind: 'string' },
  { key: 'max_timeout', env: 'CRONFLEET_MAX_TIMEOUT', flag: '--max-timeout', kind: 'integer' },
  { key: 'max_memory', env: 'CRONFLEET_MAX_MEMORY', flag: '--max-memory', kind: 'integer' },
  { key: 'max_output', env: 'CRONFLEET_MAX_OUTPUT', flag: '--max-output', kind: 'integer' },
  { key: 'data_dir', env: 'CRONFLEET_DATA_DIR', flag: '--data-dir', kind: 'string' },
  { key: 'allow_link_local', env: 'CRONFLEET_ALLOW_LINK_LOCAL', flag: '--allow-link-local', kind: 'boolean' },
  { key: 'log_format', env: 'CRONFLEET_LOG_FORMAT', flag: '--log-format', kind: 'string' },
] as const satisfies ReadonlyArray<{ key: string; env: string; flag: string; kind: Kind }>;

type Key = (typeof executorKeys)[number]['key'];

/** The agent's command-line flags as commander gives them. */
export interface ExecutorFlags {
  config?: string;
  server?: string;
  token?: string;
  name?: string;
  instanceId?: string;
  labels?: string;
  capacity?: string;
  ca?: string;
  runner?: string[];
  allowCommand?: string[];
  runAs?: string;
  maxTimeout?: string;
  maxMemory?: string;
  maxOutput?: string;
  dataDir?: string;
  allowLinkLocal?: boolean;
  logFormat?: string;
}

const flagValue: Record<Key, (flags: ExecutorFlags) => unknown> = {
  server: (flags) => flags.server,
  token: (flags) => flags.token,
  name: (flags) => flags.name,
  instance_id: (flags) => flags.instanceId,
  labels: (flags) => flags.labels,
  capacity: (flags) => flags.capacity,
  ca: (flags) => flags.ca,
  runners: (flags) => flags.runner,
  allow_commands: (flags) => flags.allowCommand,
  run_as: (flags) => flags.runAs,
  max_timeout: (flags) => flags.maxTimeout,
  max_memory: (flags) => flags.maxMemory,
  max_output: (flags) => flags.maxOutput,
  data_dir: (flags) => flags.dataDir,
  allow_link_local: (flags) => flags.allowLinkLocal,
  log_format: (flags) => flags.logFormat,
};

/** A value and where it came from: a flag, a variable, `file: key`, or null for the default. */
interface Setting<T> {
  readonly value: T;
  readonly source: string | null;
}

export interface ExecutorSettings {
  /** The config file read, if any. */
  readonly file: string | null;
  readonly servers: Setting<string[]>;
  readonly token: Setting<string | null>;
  readonly name: Setting<string | null>;
  readonly instanceId: Setting<string | null>;
  readonly labels: Setting<Record<string, string>>;
  readonly capacity: Setting<number>;
  readonly ca: Setting<string | null>;
  readonly runners: Setting<string[]>;
  readonly allowCommands: Setting<string[]>;
  readonly runAs: Setting<string | null>;
  /** Seconds; null = no ceiling. */
  readonly maxTimeout: Setting<number | null>;
  /** MB; null = no limit. */
  readonly maxMemory: Setting<number | null>;
  /** Bytes; null = the runners' default. */
  readonly maxOutput: Setting<number | null>;
  /** null = ./data, which may be unusable (the agent then runs without its process-group record). */
  readonly dataDir: Setting<string | null>;
  readonly allowLinkLocal: Setting<boolean>;
  readonly logFormat: Setting<LogFormat>;
}

function settingError(source: string, message: string): CronfleetError {
  return new CronfleetError('invalid_config', `${source} ${message}`, { source });
}

/** Reads the file (--config, else ./cronfleet-executor.yaml when present), the environment and the flags. */
export async function readExecutorSettings(flags: ExecutorFlags, env: NodeJS.ProcessEnv): Promise<ExecutorSettings> {
  const file = flags.config ?? (existsSync(DEFAULT_EXECUTOR_CONFIG) ? DEFAULT_EXECUTOR_CONFIG : null);
  const fromFile = file === null ? {} : await readExecutorFile(file);
  const raw = new Map<Key, { value: unknown; source: string | null }>();
  for (const { key, env: variable, flag } of executorKeys) {
    const fromFlag = flagValue[key](flags);
    const fromEnv = env[variable];
    raw.set(
      key,
      fromFlag !== undefined
        ? { value: fromFlag, source: flag }
        : fromEnv !== undefined && fromEnv !== ''
          ? { value: fromEnv, source: variable }
          : fromFile[key] !== undefined && fromFile[key] !== null
            ? { value: fromFile[key], source: `${file}: ${key}` }
            : { value: undefined, source: null },
    );
  }
  const get = (key: Key) => raw.get(key)!;
  const string = (key: Key) => setting(get(key), (value, source) => text(value, source), null);
  const integer = (key: Key, minimum: number, maximum: number, fallback: number | null) => setting(get(key), (value, source) => whole(value, source, minimum, maximum), fallback);
  return {
    file,
    servers: setting(get('server'), (value, source) => urls(list(value, source), source), ['http://localhost:8080']),
    token: string('token'),
    name: string('name'),
    instanceId: string('instance_id'),
    labels: setting(get('labels'), (value, source) => labels(value, source), {}),
    capacity: integer('capacity', 1, 10_000, 4) as Setting<number>,
    ca: string('ca'),
    runners: setting(get('runners'), (value, source) => list(value, source), []),
    allowCommands: setting(get('allow_commands'), (value, source) => list(value, source), []),
    runAs: string('run_as'),
    maxTimeout: integer('max_timeout', 1, 10_000_000, null),
    maxMemory: integer('max_memory', 1, 10_000_000, null),
    maxOutput: integer('max_output', 1024, 1024 ** 3, null),
    dataDir: string('data_dir'),
    allowLinkLocal: setting(get('allow_link_local'), (value, source) => boolean(value, source), false),
    logFormat: setting(get('log_format'), (value, source) => choice(value, source), 'auto'),
  };
}

function setting<T>(raw: { value: unknown; source: string | null }, convert: (value: unknown, source: string) => T, fallback: T): Setting<T> {
  if (raw.source === null) return { value: fallback, source: null };
  return { value: convert(raw.value, raw.source), source: raw.source };
}

function text(value: unknown, source: string): string {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value.trim() === '') throw settingError(source, `must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

/** A YAML list, or comma-separated in a variable, a flag or a file's string; a repeatable flag gives an array. */
function list(value: unknown, source: string): string[] {
  const items = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : null;
  if (!items || items.some((item) => typeof item !== 'string')) throw settingError(source, `must be a list of strings (comma-separated in a variable), got ${JSON.stringify(value)}`);
  return (items as string[]).map((item) => item.trim()).filter(Boolean);
}

function urls(servers: string[], source: string): string[] {
  if (servers.length === 0) throw settingError(source, 'names no server URL');
  for (const server of servers) {
    if (!URL.canParse(server)) throw settingError(`${source}:`, `'${server}' is not a URL such as http://host:8080`);
  }
  return servers;
}

function whole(value: unknown, source: string, minimum: number, maximum: number): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isInteger(number) || number < minimum || number > maximum) throw settingError(source, `must be an integer from ${minimum} to ${maximum}, got ${JSON.stringify(value)}`);
  return number;
}

function boolean(value: unknown, source: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw settingError(source, `must be true or false, got ${JSON.stringify(value)}`);
}

function labels(value: unknown, source: string): Record<string, string> {
  try {
    return parseLabels(value, source);
  } catch (error) {
    throw settingError(`${source}:`, (error as Error).message.replace(/^invalid config \S+: /, ''));
  }
}

function choice(value: unknown, source: string): LogFormat {
  if (typeof value === 'string' && (logFormats as readonly string[]).includes(value)) return value as LogFormat;
  throw settingError(source, `must be one of ${logFormats.join(', ')}, got ${typeof value === 'string' ? `'${value}'` : JSON.stringify(value)}`);
}

async function readExecutorFile(path: string): Promise<Record<string, unknown>> {
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CronfleetError('invalid_config', `cannot read config file ${path}: ${(error as Error).message}`, { file: path });
  }
  const { parse } = await import('yaml');
  let parsed: unknown;
  try {
    parsed = parse(content) ?? {};
  } catch (error) {
    throw new CronfleetError('invalid_config', `config file ${path} is not valid YAML: ${(error as Error).message}`, { file: path });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CronfleetError('invalid_config', `config file ${path} must be a YAML mapping of keys to values`, { file: path });
  }
  const known: readonly string[] = executorKeys.map((entry) => entry.key);
  for (const key of Object.keys(parsed)) {
    if (!known.includes(key)) throw new CronfleetError('invalid_config', `unknown key '${key}' in ${path}; an executor's keys are: ${known.join(', ')}`, { key, file: path });
  }
  return parsed as Record<string, unknown>;
}
