// Asks the operating system whether processes still run, for tests that kill process groups.
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * True while `pid` is a live process. A zombie counts as gone: it has exited and only
 * waits to be reaped. An orphaned grandchild is reaped by PID 1, and in containers whose
 * PID 1 reaps lazily it stays a zombie for a while even though it is dead.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    // /proc/<pid>/stat is "pid (comm) state …"; comm may contain spaces, so split after ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false; // vanished between the two checks
  }
}

/**
 * The pids among `pids` still running once they all ended or `withinMs` passed. A killed
 * process disappears a moment after the signal, so this polls briefly instead of
 * asserting at one instant.
 */
export async function stillRunningAfter(pids: number[], withinMs = 3000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const running = pids.filter(isRunning);
    if (running.length === 0 || Date.now() >= deadline) return running;
    await delay(20);
  }
}

/** Parses whitespace-separated pids a task printed, e.g. "1234 1235". */
export function parsePids(text: string): number[] {
  return text
    .trim()
    .split(/\s+/)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** Kills leftovers so a failing test does not leave processes behind. */
export function killIfRunning(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
