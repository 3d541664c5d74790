// What an executor's operator allows on this machine, whatever a task asks for: which
// programs may run, as which user, for how long, with how much memory, and whether
// HTTP tasks may reach link-local and cloud-metadata addresses. Resolved once when the
// executor starts (a bad setting fails the start, naming it) into a frozen policy
// that every execution on this executor obeys. The server cannot loosen it.
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, matchesGlob, resolve } from 'node:path';
import { CronfleetError } from '../protocol/errors.ts';

export interface ExecutorPolicySettings {
  /** Glob patterns over absolute program paths; empty or absent = any program. */
  allowCommands?: readonly string[];
  /** User name or numeric uid to run command and script processes as. */
  runAs?: string | null;
  /** Ceiling on a task's timeout, in seconds; 0 or absent = none. */
  maxTimeoutSeconds?: number | null;
  /** Memory limit per command/script process (and per container), in MB; 0 or absent = none. */
  maxMemoryMb?: number | null;
  /** Lets HTTP tasks reach link-local and cloud-metadata addresses. */
  allowLinkLocal?: boolean;
}

export interface RunAsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** From the password database; null when only `id` could be asked. */
  readonly home: string | null;
}

/**
 * How --max-memory is enforced on a command or script process: `ulimit -v` (the
 * address-space rlimit, RLIMIT_AS) set by /bin/sh right before it execs the program,
 * or nothing when this machine's /bin/sh cannot set it (then every execution's output
 * says so). A docker task gets the engine's own `--memory` cgroup limit instead.
 */
export interface MemoryLimit {
  readonly megabytes: number;
  readonly mechanism: 'ulimit' | 'unavailable';
}

export interface ExecutorPolicy {
  readonly allowCommands: readonly string[] | null;
  readonly runAs: RunAsUser | null;
  readonly maxTimeoutSeconds: number | null;
  readonly memoryLimit: MemoryLimit | null;
  readonly allowLinkLocal: boolean;
  /** What the operator should read at start, e.g. how the memory limit is enforced. */
  readonly notes: readonly string[];
}

/** No restrictions: what an executor without safety settings does. */
export const openPolicy: ExecutorPolicy = Object.freeze({
  allowCommands: null,
  runAs: null,
  maxTimeoutSeconds: null,
  memoryLimit: null,
  allowLinkLocal: false,
  notes: Object.freeze([]),
});

/** The names settings go by in error messages: flags for `cronfleet executor`, config keys for the local executor. */
export interface SettingNames {
  allowCommands: string;
  runAs: string;
  maxTimeoutSeconds: string;
  maxMemoryMb: string;
}

const flagNames: SettingNames = { allowCommands: '--allow-command', runAs: '--run-as', maxTimeoutSeconds: '--max-timeout', maxMemoryMb: '--max-memory' };

export async function resolveExecutorPolicy(settings: ExecutorPolicySettings, names: SettingNames = flagNames): Promise<ExecutorPolicy> {
  const notes: string[] = [];
  const patterns = (settings.allowCommands ?? []).map((pattern) => pattern.trim()).filter(Boolean);
  for (const pattern of patterns) {
    // A bare name would match whatever PATH finds first; only an absolute path says which program.
    if (!isAbsolute(pattern)) throw invalid(names.allowCommands, `'${pattern}' must be an absolute path or glob, e.g. /usr/bin/* or /opt/jobs/**`);
  }
  if (patterns.length > 0) notes.push(`command allowlist: ${patterns.join(', ')}`);
  const maxTimeoutSeconds = positiveOrNull(settings.maxTimeoutSeconds, names.maxTimeoutSeconds, 'seconds');
  const maxMemoryMb = positiveOrNull(settings.maxMemoryMb, names.maxMemoryMb, 'megabytes');
  let memoryLimit: MemoryLimit | null = null;
  if (maxMemoryMb !== null) {
    memoryLimit = Object.freeze({ megabytes: maxMemoryMb, mechanism: (await shellCanLimitMemory()) ? 'ulimit' : 'unavailable' });
    notes.push(
      memoryLimit.mechanism === 'ulimit'
        ? `memory limit ${maxMemoryMb} MB per process via ulimit -v (address space); docker tasks get docker run --memory`
        : `memory limit ${maxMemoryMb} MB cannot be applied to command and script processes: /bin/sh here cannot set ulimit -v; only docker tasks are limited`,
    );
  }
  const runAs = settings.runAs ? await lookUpUser(settings.runAs, names.runAs) : null;
  if (runAs) {
    const current = process.getuid?.() ?? null;
    if (current !== 0 && current !== runAs.uid) {
      throw invalid(names.runAs, `cannot run processes as '${runAs.name}' (uid ${runAs.uid}): this executor runs as uid ${current}, and only root can switch users; start it as root or drop ${names.runAs}`);
    }
    notes.push(`command and script processes run as ${runAs.name} (uid ${runAs.uid}, gid ${runAs.gid})`);
  }
  if (settings.allowLinkLocal) notes.push('HTTP tasks may reach link-local and cloud-metadata addresses');
  return Object.freeze({
    allowCommands: patterns.length > 0 ? Object.freeze(patterns) : null,
    runAs,
    maxTimeoutSeconds,
    memoryLimit,
    allowLinkLocal: settings.allowLinkLocal ?? false,
    notes: Object.freeze(notes),
  });
}

function positiveOrNull(value: number | null | undefined, name: string, unit: string): number | null {
  if (value === null || value === undefined || value === 0) return null;
  if (!Number.isInteger(value) || value < 0) throw invalid(name, `must be a whole number of ${unit} (0 for none), got ${value}`);
  return value;
}

function invalid(name: string, message: string): CronfleetError {
  return new CronfleetError('invalid_config', `${name}: ${message}`, { key: name });
}

// --- the command allowlist -------------------------------------------------------

/**
 * The absolute path a program name resolves to, as spawn would find it: a name with a
 * slash is taken relative to the working directory, a bare name is looked up in PATH.
 * Null when PATH holds no such executable file.
 */
function resolveProgram(program: string, env: Record<string, string>, cwd: string | null): string | null {
  if (program.includes('/')) return resolve(cwd ?? process.cwd(), program);
  for (const directory of (env.PATH ?? '').split(':')) {
    if (directory === '') continue;
    const candidate = resolve(cwd ?? process.cwd(), directory, program);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export type ProgramCheck = { allowed: true; path: string } | { allowed: false; error: string };

/**
 * Whether the allowlist admits `program`. Patterns match the resolved path lexically,
 * without following symlinks: a symlink to an allowed binary elsewhere is refused, so
 * a multi-call binary (busybox) cannot be reached under another name. On success the
 * caller spawns the returned absolute path, so what was checked is what runs.
 */
export function checkProgram(policy: ExecutorPolicy, program: string, env: Record<string, string>, cwd: string | null): ProgramCheck {
  if (policy.allowCommands === null) return { allowed: true, path: program };
  const path = resolveProgram(program, env, cwd);
  if (path === null) return { allowed: false, error: `command '${program}' was not found on PATH, so this executor's allowlist cannot admit it` };
  if (policy.allowCommands.some((pattern) => matchesGlob(path, pattern))) return { allowed: true, path };
  return { allowed: false, error: `command '${path}' is not in this executor's allowlist (${policy.allowCommands.join(', ')})` };
}

// --- the timeout ceiling ---------------------------------------------------------

/** The timeout an execution gets: the task's, clamped to the ceiling (a task without one gets the ceiling). */
export function effectiveTimeout(policy: ExecutorPolicy, taskTimeoutSeconds: number): { seconds: number | null; clamped: boolean } {
  const requested = taskTimeoutSeconds > 0 ? taskTimeoutSeconds : null;
  const ceiling = policy.maxTimeoutSeconds;
  if (ceiling === null) return { seconds: requested, clamped: false };
  if (requested === null || requested > ceiling) return { seconds: ceiling, clamped: true };
  return { seconds: requested, clamped: false };
}

// --- the memory limit ------------------------------------------------------------

/**
 * The argv that runs `command args` under the memory limit. `exec` replaces the shell,
 * so the program keeps the pid (and process group) the agent signals; a shell that
 * fails to set the limit exits 126 rather than run the program unlimited.
 */
export function withMemoryLimit(limit: MemoryLimit | null, command: string, args: string[]): { command: string; args: string[] } {
  if (limit === null || limit.mechanism !== 'ulimit') return { command, args };
  const kilobytes = limit.megabytes * 1024;
  return { command: '/bin/sh', args: ['-c', `ulimit -v ${kilobytes} || exit 126; exec "$0" "$@"`, command, ...args] };
}

function shellCanLimitMemory(): Promise<boolean> {
  return new Promise((resolvePromise) => {
    execFile('/bin/sh', ['-c', 'ulimit -v 1048576 && ulimit -v'], { timeout: 5000 }, (error, stdout) => resolvePromise(error === null && stdout.trim() === '1048576'));
  });
}

// --- run as another user ---------------------------------------------------------

/** Looks a user up by name or uid: `getent passwd`, else `id`. */
async function lookUpUser(user: string, name: string): Promise<RunAsUser> {
  const entry = await output('getent', ['passwd', user]);
  if (entry !== null) {
    const [login, , uid, gid, , home] = entry.trim().split('\n')[0]!.split(':');
    if (login && uid && gid) return Object.freeze({ name: login, uid: Number(uid), gid: Number(gid), home: home || null });
  }
  const uid = await output('id', ['-u', user]);
  const gid = await output('id', ['-g', user]);
  if (uid === null || gid === null) throw invalid(name, `no user '${user}' on this machine`);
  return Object.freeze({ name: user, uid: Number(uid.trim()), gid: Number(gid.trim()), home: null });
}

function output(command: string, args: string[]): Promise<string | null> {
  return new Promise((resolvePromise) => {
    execFile(command, args, { timeout: 5000 }, (error, stdout) => resolvePromise(error === null && stdout.trim() !== '' ? stdout : null));
  });
}

/** The environment of a process run as `user`: HOME, USER and LOGNAME are theirs, not the agent's. */
export function environmentFor(user: RunAsUser | null, env: Record<string, string>): Record<string, string> {
  if (user === null) return env;
  return { ...env, USER: user.name, LOGNAME: user.name, ...(user.home ? { HOME: user.home } : {}) };
}
