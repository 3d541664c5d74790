// What the operating system says about processes, read from /proc (Linux). Elsewhere
// every function answers "nothing known", and the executor tracks nothing.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessStat {
  pid: number;
  /** R, S, D, Z (zombie: exited, waiting to be reaped), X (dead), … */
  state: string;
  processGroupId: number;
  sessionId: number;
  /**
   * When the process started, in clock ticks since boot (/proc/<pid>/stat field 22).
   * With the boot id it names one process for good: a pid is reused, this pair is not.
   */
  startTicks: number;
}

/** The process's stat line, or null when it does not exist (or /proc cannot be read). */
export function readProcessStat(pid: number): ProcessStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid pgrp session …": comm may hold spaces and parentheses, so
  // the fields are counted from the last ')'; fields[0] is field 3 (state).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(fields[19]);
  if (!Number.isSafeInteger(startTicks)) return null;
  return { pid, state: fields[0] ?? '?', processGroupId: Number(fields[2]), sessionId: Number(fields[3]), startTicks };
}

/** True for a process that still runs (a zombie has exited and cannot be signalled into anything). */
export function isLive(stat: ProcessStat | null): stat is ProcessStat {
  return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
}

/** Every process visible now. */
export function listProcesses(): ProcessStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: ProcessStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcessStat(Number(entry));
    if (stat) found.push(stat);
  }
  return found;
}

/** This boot's id: start ticks recorded under another boot say nothing about today's pids. */
export function currentBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}
