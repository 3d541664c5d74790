// What every workload shares: flags, statistics, child processes (servers, agents)
// with their memory and CPU read from /proc, a keep-alive HTTP client, and the
// benchmark's own databases on the loopback services (created here, dropped after).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';

export const root = resolve(import.meta.dirname, '..');
export type Dialect = 'sqlite' | 'postgres' | 'mysql';

const postgresBase = 'postgres://postgres@127.0.0.1:5432';
const mysqlBase = 'mysql://root@127.0.0.1:3306';

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

// ---------------------------------------------------------------- flags

export class Flags {
  readonly #values = new Map<string, string>();
  constructor(argv: string[]) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i]!;
      if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}' (flags are --name value)`);
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      if (inline !== undefined) this.#values.set(name, inline);
      else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) this.#values.set(name, argv[++i]!);
      else this.#values.set(name, 'true');
    }
  }
  number(name: string, fallback: number): number {
    const raw = this.#values.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number, got '${raw}'`);
    return value;
  }
  string(name: string, fallback: string): string {
    return this.#values.get(name) ?? fallback;
  }
  list(name: string, fallback: string[]): string[] {
    const raw = this.#values.get(name);
    return raw === undefined
      ? fallback
      : raw
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean);
  }
  dialect(fallback: Dialect = 'sqlite'): Dialect {
    const value = this.string('database', fallback);
    if (value !== 'sqlite' && value !== 'postgres' && value !== 'mysql') throw new Error(`--database must be sqlite, postgres or mysql, got '${value}'`);
    return value;
  }
}

// ---------------------------------------------------------------- statistics

export interface Distribution {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

/** Percentiles by nearest rank, in the samples' unit (ms here), rounded to 0.1. */
export function distribution(samples: number[]): Distribution {
  if (samples.length === 0) return { count: 0, p50: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(samples).sort();
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const round = (value: number) => Math.round(value * 10) / 10;
  let sum = 0;
  for (const value of sorted) sum += value;
  return { count: sorted.length, p50: round(rank(0.5)), p99: round(rank(0.99)), max: round(sorted[sorted.length - 1]!), mean: round(sum / sorted.length) };
}

export const perSecond = (count: number, ms: number) => (ms <= 0 ? null : Math.round((count / ms) * 1000 * 10) / 10);

// ---------------------------------------------------------------- cleanup and deadline

const cleanups: Array<() => Promise<void> | void> = [];
export function onCleanup(step: () => Promise<void> | void): void {
  cleanups.unshift(step);
}
export async function cleanup(): Promise<void> {
  while (cleanups.length > 0) {
    const step = cleanups.shift()!;
    try {
      await Promise.race([step(), sleep(15_000)]);
    } catch (error) {
      log(`cleanup step failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

// ---------------------------------------------------------------- processes

interface ProcessUsage {
  rssMb: number;
  /** CPU time (user + system) in ms since the process started. */
  cpuMs: number;
}

const clockTicks = 100; // USER_HZ on Linux

function processUsage(pid: number): ProcessUsage {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11], fields[12] are utime and stime (fields 14 and 15 of proc(5), counted from state).
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMb: Math.round((rssKb / 1024) * 10) / 10, cpuMs: (ticks * 1000) / clockTicks };
}

/**
 * Where a process's resident memory is, from /proc/PID/smaps, in MB: `malloc_heap` is the
 * brk heap ([heap]); `anonymous` every other private anonymous mapping (V8's heap pages,
 * malloc's mmapped chunks and arenas, thread stacks); `file` the binary and libraries.
 */
export function memoryMap(pid: number): { malloc_heap_mb: number; anonymous_mb: number; file_mb: number; anonymous_mappings: number } {
  let heap = 0;
  let anonymous = 0;
  let file = 0;
  let mappings = 0;
  let kind: 'heap' | 'anonymous' | 'file' = 'anonymous';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[1]!.trim();
      kind = name === '[heap]' ? 'heap' : name === '' || name.startsWith('[') ? 'anonymous' : 'file';
      if (kind === 'anonymous') mappings += 1;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (!rss) continue;
    const kb = Number(rss[1]);
    if (kind === 'heap') heap += kb;
    else if (kind === 'anonymous') anonymous += kb;
    else file += kb;
  }
  const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;
  return { malloc_heap_mb: mb(heap), anonymous_mb: mb(anonymous), file_mb: mb(file), anonymous_mappings: mappings };
}

/** RSS at the end and mean CPU use (% of one core) over `ms` of doing nothing here. */
export async function sampleIdle(pid: number, ms: number): Promise<{ rss_mb: number; cpu_percent: number }> {
  const before = processUsage(pid);
  const started = performance.now();
  await sleep(ms);
  const after = processUsage(pid);
  const elapsed = performance.now() - started;
  return { rss_mb: after.rssMb, cpu_percent: Math.round(((after.cpuMs - before.cpuMs) / elapsed) * 1000) / 10 };
}

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Resolves when it exits. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a Node 24 child (the project's pinned runtime, the one running us), owned by cleanup. */
export function startNode(script: string, args: string[], options: { env?: Record<string, string>; name: string; ipc?: boolean; nodeFlags?: string[] }): Child {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...(options.nodeFlags ?? []), script, ...args], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: options.ipc ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  void exited.then((code) => {
    if (code !== 0 && code !== null && !stopping.has(child)) log(`${options.name} exited with ${code}: ${tail.trim().split('\n').slice(-5).join(' | ')}`);
  });
  const stopping = new Set<ChildProcess>();
  const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    stopping.add(child);
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  onCleanup(() => kill());
  if (child.pid === undefined) throw new Error(`could not start ${options.name}`);
  return { process: child, pid: child.pid, exited, kill };
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createNetServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => done(port));
    });
  });
}

// ---------------------------------------------------------------- HTTP

export interface Reply {
  status: number;
  body: any;
}

export class Api {
  readonly url: string;
  readonly #token: string;
  readonly #agent: http.Agent;
  constructor(url: string, token: string, sockets = 32) {
    this.url = url;
    this.#token = token;
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }
  request(method: string, path: string, body?: unknown): Promise<Reply> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const target = new URL(path, this.url);
    return new Promise((done, fail) => {
      const request = http.request(
        target,
        {
          method,
          agent: this.#agent,
          headers: { authorization: `Bearer ${this.#token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            try {
              parsed = text === '' ? null : JSON.parse(text);
            } catch {}
            done({ status: response.statusCode ?? 0, body: parsed });
          });
          response.on('error', fail);
        },
      );
      request.setTimeout(60_000, () => request.destroy(new Error(`${method} ${path} timed out`)));
      request.on('error', fail);
      request.end(payload);
    });
  }
  async expect(method: string, path: string, body: unknown, status: number): Promise<any> {
    const reply = await this.request(method, path, body);
    if (reply.status !== status) throw new Error(`${method} ${path} → ${reply.status}: ${JSON.stringify(reply.body).slice(0, 300)}`);
    return reply.body;
  }
  close(): void {
    this.#agent.destroy();
  }
}

/** Runs `work(i)` for i in [0, count) with at most `parallel` at once. */
export async function inParallel(count: number, parallel: number, work: (index: number) => Promise<void>, progress?: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      await work(index);
      done += 1;
      if (progress && done % 5000 === 0) progress(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, lane));
}

// ---------------------------------------------------------------- databases

export interface BenchDatabase {
  dialect: Dialect;
  /** What `cronfleet server --database` takes. */
  url: string;
  /** For sqlite: the file; else the same as url. */
  path: string;
  drop(): Promise<void>;
}

/** A fresh database owned by this run (dropped by cleanup), and a temp data dir. */
export async function createDatabase(dialect: Dialect, label: string): Promise<BenchDatabase & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), `cronfleet-bench-${label}-`));
  const name = `cf_bench_${label.replace(/[^a-z0-9]/gi, '_')}_${randomBytes(3).toString('hex')}`.toLowerCase();
  let database: BenchDatabase;
  if (dialect === 'sqlite') {
    const path = join(dataDir, 'cronfleet.db');
    database = { dialect, url: `sqlite:${path}`, path, drop: async () => {} };
  } else if (dialect === 'postgres') {
    await postgresAdmin(`create database "${name}"`);
    database = {
      dialect,
      url: `${postgresBase}/${name}`,
      path: `${postgresBase}/${name}`,
      drop: async () => {
        await postgresAdmin(`drop database if exists "${name}" with (force)`);
      },
    };
  } else {
    const admin = await createConnection(mysqlBase);
    await admin.query(`create database \`${name}\` character set utf8mb4`);
    await admin.end();
    database = {
      dialect,
      url: `${mysqlBase}/${name}`,
      path: `${mysqlBase}/${name}`,
      drop: async () => {
        const connection = await createConnection(mysqlBase);
        await connection.query(`drop database if exists \`${name}\``);
        await connection.end();
      },
    };
  }
  onCleanup(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return { ...database, dataDir };
}

async function postgresAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: `${postgresBase}/postgres` });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * A peer's module (bench/peers/*). Loaded by a computed path so that the type check of
 * the project (`npm run check`) does not need the peers installed.
 */
export async function loadPeer(name: string): Promise<unknown> {
  return import(new URL(`./peers/${name}.ts`, import.meta.url).href);
}
