// Real `cronfleet server` and `cronfleet executor` processes for the chaos suites: each
// keeps the tail of its output (for failure messages) and records how and when it
// exited, so a suite can assert afterwards that nothing died under the faults.
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from '../e2e/process.ts';
import { killedAtEnd } from '../helpers/children.ts';

const LOG_KEPT = 200_000;

export interface ProcessExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** What the suite was doing when the process ended (its current phase). */
  during: string;
}

export interface FleetProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Set once the process has ended. */
  exit: ProcessExit | null;
  readonly exited: Promise<void>;
  /** The last `chars` characters of its stdout and stderr, interleaved as they came. */
  tail(chars?: number): string;
  /** The last `count` lines, each cut to `width` characters (logged errors can carry whole driver objects). */
  lastLines(count?: number, width?: number): string;
  /** Resolves true once `pattern` appears in output produced after this call, false after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<boolean>;
}

/** Starts `cronfleet <args>`; `phase()` names what the suite is doing, for the exit record. */
export function launch(name: string, args: string[], env: Record<string, string>, phase: () => string): FleetProcess {
  const child = killedAtEnd(spawn(CLI, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }));
  let log = '';
  const listeners = new Set<(chunk: string) => void>();
  const onData = (data: Buffer) => {
    const chunk = data.toString();
    log = (log + chunk).slice(-LOG_KEPT);
    for (const listener of listeners) listener(chunk);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const proc: FleetProcess = {
    name,
    child,
    exit: null,
    exited: new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        proc.exit = { name, code, signal, during: phase() };
        resolve();
      }),
    ),
    tail: (chars = 3000) => log.slice(-chars),
    lastLines: (count = 15, width = 400) =>
      log
        .split('\n')
        .filter((line) => line.trim().length > 0)
        .slice(-count)
        .map((line) => (line.length > width ? `${line.slice(0, width)} …(${line.length - width} more)` : line))
        .join('\n'),
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve) => {
        // Only output from now on: a line printed before the fault proves nothing.
        let seen = '';
        const done = (found: boolean) => {
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(found);
        };
        const listener = (chunk: string) => {
          seen = (seen + chunk).slice(-10_000);
          if (pattern.test(seen)) done(true);
        };
        const timer = setTimeout(() => done(false), timeoutMs);
        listeners.add(listener);
      });
    },
  };
  return proc;
}

/** Starts `cronfleet server` on a port the system picks and resolves with its URL once it listens. */
export async function startServer(
  name: string,
  options: { database: string; dataDir: string; env: Record<string, string>; phase: () => string; launched: (proc: FleetProcess) => void },
): Promise<{ proc: FleetProcess; url: string }> {
  const listening = /listening on (http:\/\/\S+)/;
  const proc = launch(name, ['server', '--port', '0', '--host', '127.0.0.1', '--database', options.database, '--data-dir', options.dataDir, '--log-level', 'warn'], options.env, options.phase);
  options.launched(proc); // the caller's cleanup owns it even if it never starts
  // Port 0 and the printed URL instead of a probed free port: no race for the port.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const match = listening.exec(proc.tail(20_000));
    if (match) return { proc, url: match[1]! };
    if (proc.exit) throw new Error(`${name} exited with ${proc.exit.code ?? proc.exit.signal} before listening:\n${proc.tail()}`);
    if (Date.now() > deadline) throw new Error(`${name} did not start within 60 s:\n${proc.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Ends a process for good, even one that was SIGSTOPped, and waits for it. Safe to call twice. */
export async function kill(proc: FleetProcess): Promise<void> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) {
    proc.child.kill('SIGCONT');
    proc.child.kill('SIGKILL');
  }
  await proc.exited;
}

export interface ApiAnswer {
  /** 0 when no server answered. */
  status: number;
  body: any;
}

/**
 * A client of a cluster: each request goes to the first server that answers it below
 * 500 (one may be down, restarting or cut off from its database); when none does, the
 * last 5xx answer, or status 0.
 */
export function clusterApi(urls: string[], token: string): (method: string, path: string, body?: unknown) => Promise<ApiAnswer> {
  return async (method, path, body) => {
    let last: ApiAnswer = { status: 0, body: null };
    for (const url of urls) {
      try {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(5000),
        });
        last = { status: response.status, body: await response.json().catch(() => null) };
        if (response.status < 500) return last;
      } catch {
        // that server does not answer: try the next
      }
    }
    return last;
  };
}
