// Processes left behind by an executor that died. Each run is its own process group
// (process.ts), which outlives the executor when it is SIGKILLed; its retry then runs
// beside it. Two nets find such strays:
//
// 1. Recorded process groups (first and main net). While a run goes, its group id and
//    the start time of the group's leader are in a state file of this executor process
//    (<directory>/<pid>.json, written atomically and fsync'd before the run can outlive
//    us). On the next start of an executor with the same directory, every file whose
//    owner is gone is read, and each recorded group whose leader still exists with the
//    same start time is killed (SIGTERM, SIGKILL after a grace), as is any process still
//    in the group or its session. A leader whose pid now names a process with another
//    start time is someone else's (the pid was reused): it and its group are left alone.
//    This finds processes that cleared their environment (`env -i …`) and grandchildren
//    a shell forked in the background; only one that called setsid() itself escapes.
//    A docker task's container, which is the engine's and in no group of ours, is
//    recorded by name and removed.
// 2. The environment variable every task process gets (CRONFLEET_EXECUTION_ID), for a
//    stop the server sends about an execution this process no longer knows.
//
// Linux only (/proc); elsewhere nothing is recorded and nothing is found.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { currentBootId, isLive, listProcesses, readProcessStat, type ProcessStat } from './process-table.ts';

export interface RecordedGroup {
  executionId: string;
  /** The process group id: the pid of its leader, the process the run started. */
  processGroupId: number;
  /** The leader's start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  startTicks: number;
  /** A docker task's container: not in the group (the engine runs it), so removed by name. */
  container?: string;
}

interface StateFile {
  version: 1;
  bootId: string;
  /** The executor process that wrote it; while it lives, its groups are its own business. */
  owner: { pid: number; startTicks: number };
  groups: RecordedGroup[];
}

export interface ReapedGroup extends RecordedGroup {
  /** The pids signalled (leader and members still running when the executor started). */
  pids: number[];
}

export interface ProcessGroupOptions {
  /** Between SIGTERM and SIGKILL of a stray group. Default 5 s. */
  killGraceMs?: number;
}

const DEFAULT_KILL_GRACE_MS = 5000;
/** After SIGKILL, how long to wait for the strays to be gone (a kill is not instant). */
const KILL_SETTLE_MS = 2000;
const POLL_MS = 25;

/**
 * This executor process's record of the process groups its runs started. Open one per
 * executor at start (open() first kills what a dead predecessor left); the runners that
 * start processes record each group and forget it when the run ends.
 */
export class ProcessGroups {
  readonly #file: string;
  readonly #directory: string;
  readonly #bootId: string;
  readonly #owner: { pid: number; startTicks: number };
  readonly #groups = new Map<number, RecordedGroup>();
  /** Groups whose run has ended but that still had members (a background process): kept until empty. */
  readonly #ended = new Set<number>();

  private constructor(directory: string, bootId: string, owner: { pid: number; startTicks: number }) {
    this.#directory = directory;
    this.#file = join(directory, `${process.pid}.json`);
    this.#bootId = bootId;
    this.#owner = owner;
  }

  /**
   * Kills the recorded groups of executors that used `directory` and are gone, then
   * starts this process's own record there. Null where /proc is not available (no
   * tracking). Throws when the directory cannot be created or written: an executor
   * that cannot record what it starts would leave strays unnoticed.
   */
  static async open(directory: string, options: ProcessGroupOptions = {}): Promise<{ groups: ProcessGroups | null; reaped: ReapedGroup[] }> {
    const bootId = currentBootId();
    const self = readProcessStat(process.pid);
    if (bootId === null || self === null) return { groups: null, reaped: [] };
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const groups = new ProcessGroups(directory, bootId, { pid: self.pid, startTicks: self.startTicks });
    const reaped = await reapLeftovers(directory, bootId, groups.#file, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    groups.#write();
    return { groups, reaped };
  }

  /**
   * Records the group a run just started (its leader is `pid`), durably, before the
   * caller goes on: synchronous on purpose, so there is no moment when the run could
   * outlive this process without a record. Returns the call to make when the run has
   * ended: the record goes once no process is left in the group (a background process
   * the run left keeps it, so a crash of this executor does not leave that one behind).
   */
  record(executionId: string, pid: number, container?: string): () => void {
    const stat = readProcessStat(pid);
    if (stat === null) return () => {}; // already gone: nothing can stray
    this.#ended.delete(pid);
    this.#groups.set(pid, { executionId, processGroupId: pid, startTicks: stat.startTicks, ...(container ? { container } : {}) });
    this.#write();
    return () => {
      if (this.#groups.get(pid)?.startTicks !== stat.startTicks) return;
      this.#ended.add(pid);
      this.#write();
    };
  }

  /** The groups recorded now (for tests and diagnostics). */
  get recorded(): RecordedGroup[] {
    return [...this.#groups.values()];
  }

  /** Write to a temporary file, fsync, rename over the old one, fsync the directory. */
  #write(): void {
    for (const pid of this.#ended) {
      if (groupIsEmpty(pid)) {
        this.#ended.delete(pid);
        this.#groups.delete(pid);
      }
    }
    const state: StateFile = { version: 1, bootId: this.#bootId, owner: this.#owner, groups: [...this.#groups.values()] };
    const temporary = `${this.#file}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(state));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.#file);
    const directory = openSync(this.#directory, 'r');
    try {
      fsyncSync(directory);
    } finally {
      closeSync(directory);
    }
  }
}

/**
 * Opens the process-group record of one executor (`scope`: its instance id) in its data
 * dir, after killing what an earlier start of it left running; says what was killed.
 * Executors sharing a data dir keep apart records, so none kills another's runs.
 */
export async function openProcessGroups(dataDir: string, scope: string, log: (message: string) => void, options: ProcessGroupOptions = {}): Promise<ProcessGroups | null> {
  const { groups, reaped } = await ProcessGroups.open(processGroupsDirectory(dataDir, scope), options);
  for (const group of reaped) {
    log(`killed process group ${group.processGroupId} (pids ${group.pids.join(', ')}) of execution ${group.executionId}: left running by an earlier start of this executor`);
  }
  if (groups === null) log('process groups are not recorded on this system (no /proc): a run may outlive a crash of this executor');
  return groups;
}

/** <dataDir>/process-groups/<scope>, the scope made a safe file name (hashed when long or odd). */
export function processGroupsDirectory(dataDir: string, scope: string): string {
  const safe = /^[A-Za-z0-9._@:-]{1,100}$/.test(scope) && !scope.startsWith('.') ? scope.replaceAll(':', '_') : createHash('sha256').update(scope).digest('hex').slice(0, 32);
  return join(dataDir, 'process-groups', safe);
}

/** True when no process is left in the group (while one is, its id cannot name another group). */
function groupIsEmpty(processGroupId: number): boolean {
  try {
    process.kill(-processGroupId, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Kills what the gone owners of the state files in `directory` left running; removes their files. */
async function reapLeftovers(directory: string, bootId: string, ownFile: string, killGraceMs: number): Promise<ReapedGroup[]> {
  const leftovers: RecordedGroup[] = [];
  const done: string[] = [];
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (path === ownFile || !/^\d+\.json(\.tmp)?$/.test(name)) continue;
    if (name.endsWith('.tmp')) {
      done.push(path); // a write cut short; the file it was replacing is still there
      continue;
    }
    const state = readState(path);
    if (state === null || state.bootId !== bootId) {
      done.push(path); // unreadable, or from before a reboot: its pids name nothing of ours now
      continue;
    }
    const owner = readProcessStat(state.owner.pid);
    if (isLive(owner) && owner.startTicks === state.owner.startTicks) continue; // a live executor shares the directory
    leftovers.push(...state.groups);
    done.push(path);
  }
  const reaped = await killGroups(leftovers, killGraceMs);
  await removeContainers(leftovers.flatMap((group) => (group.container ? [group.container] : [])));
  for (const path of done) rmSync(path, { force: true });
  return reaped;
}

/**
 * `docker rm -f` of the containers of runs a dead executor left: killing the docker CLI
 * does not stop its container. Names are per execution, so no other container is hit;
 * one already gone (or no docker at all) is not an error.
 */
async function removeContainers(names: string[]): Promise<void> {
  await Promise.all(
    names.map(
      (name) =>
        new Promise<void>((resolve) => {
          execFile('docker', ['rm', '--force', name], { timeout: 15_000 }, () => resolve());
        }),
    ),
  );
}

function readState(path: string): StateFile | null {
  try {
    const state = JSON.parse(readFileSync(path, 'utf8')) as StateFile;
    return state.version === 1 && Array.isArray(state.groups) ? state : null;
  } catch {
    return null;
  }
}

/**
 * The live processes of a recorded group: its leader if it still is the process that
 * was recorded, and every process in its group or session that started no earlier.
 * Empty when the leader's pid now names another process: while a group or session has
 * a member, Linux does not give its id to a new process, so a reused leader pid means
 * the recorded group is gone and that id is someone else's now.
 */
function membersOf(group: RecordedGroup, processes: ProcessStat[]): number[] {
  const leader = processes.find((stat) => stat.pid === group.processGroupId);
  if (leader && leader.startTicks !== group.startTicks) return [];
  return processes
    .filter((stat) => stat.pid !== process.pid && isLive(stat) && (stat.processGroupId === group.processGroupId || stat.sessionId === group.processGroupId) && stat.startTicks >= group.startTicks)
    .map((stat) => stat.pid);
}

async function killGroups(groups: RecordedGroup[], killGraceMs: number): Promise<ReapedGroup[]> {
  const found = (processes = listProcesses()) => groups.map((group) => ({ ...group, pids: membersOf(group, processes) }));
  const reaped = found().filter((group) => group.pids.length > 0);
  if (reaped.length === 0) return [];
  signal(reaped, 'SIGTERM');
  if (!(await allGone(reaped, killGraceMs))) {
    signal(
      found().filter((group) => group.pids.length > 0),
      'SIGKILL',
    );
    await allGone(reaped, KILL_SETTLE_MS);
  }
  return reaped;
}

function signal(groups: ReapedGroup[], name: NodeJS.Signals): void {
  for (const group of groups) {
    for (const target of [-group.processGroupId, ...group.pids]) {
      try {
        process.kill(target, name);
      } catch {
        // the group has no member left, or the process is gone
      }
    }
  }
}

async function allGone(groups: RecordedGroup[], withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const processes = listProcesses();
    if (groups.every((group) => membersOf(group, processes).length === 0)) return true;
    if (Date.now() >= deadline) return false;
    await delay(POLL_MS);
  }
}

// ---- The second net: the execution id in the environment. ----

async function findStrayProcesses(executionId: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const marker = `CRONFLEET_EXECUTION_ID=${executionId}\0`;
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = await readFile(`/proc/${entry}/environ`, 'latin1');
      if (`${environ}\0`.includes(marker)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** SIGKILLs every process (and its process group) still running for the execution. */
export async function killStrays(executionId: string): Promise<number> {
  const pids = await findStrayProcesses(executionId);
  for (const pid of pids) {
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // not a group leader, or already gone
      }
    }
  }
  return pids.length;
}
