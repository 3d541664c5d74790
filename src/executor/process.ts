// Child processes in their own process group, so a stop reaches grandchildren too:
// SIGTERM to the whole group, then SIGKILL after a grace period (or SIGKILL at once).
import { spawn } from 'node:child_process';

export interface GroupProcessOptions {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string | undefined;
  stdin: string;
  /** Run as this user (the agent must be root to switch to another one). */
  uid?: number | undefined;
  gid?: number | undefined;
  onOutput(stream: 'stdout' | 'stderr', data: Buffer): void;
}

export interface GroupProcess {
  pid: number | undefined;
  /** Resolves when the process has exited and its output is drained. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError: Error | null }>;
  /** SIGTERM the group now, SIGKILL it after `graceMs` if anything is left. */
  terminate(graceMs: number): void;
  /** SIGKILL the group now, also while an earlier terminate's grace runs. */
  kill(): void;
}

/** After the main process exits, how long to wait for stray holders of its pipes. */
const DRAIN_AFTER_EXIT_MS = 1000;

export function spawnGroup(options: GroupProcessOptions): GroupProcess {
  const child = spawn(options.command, options.args, {
    env: options.env,
    cwd: options.cwd,
    detached: true,
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let killTimer: NodeJS.Timeout | null = null;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  child.stdout.on('data', (data: Buffer) => options.onOutput('stdout', data));
  child.stderr.on('data', (data: Buffer) => options.onOutput('stderr', data));
  child.stdin.on('error', () => {}); // a child that never reads stdin closes it early: not an error
  child.stdin.end(options.stdin);

  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError: Error | null }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, spawnError: error }));
    child.once('exit', (code, signal) => {
      // A background grandchild may keep our pipes open; do not wait for it forever.
      const drain = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, DRAIN_AFTER_EXIT_MS);
      child.once('close', () => {
        clearTimeout(drain);
        resolve({ code, signal, spawnError: null });
      });
    });
  });

  return {
    pid: child.pid,
    done,
    terminate(graceMs) {
      signalGroup('SIGTERM');
      killTimer ??= setTimeout(() => signalGroup('SIGKILL'), graceMs);
      // Even after the main process exits, grandchildren in the group get the SIGKILL.
      killTimer.unref();
    },
    kill() {
      if (killTimer) clearTimeout(killTimer);
      signalGroup('SIGKILL');
    },
  };
}
