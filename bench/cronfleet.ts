// A cronfleet under test: server process(es) on a fresh database, and no-op executor
// processes (bench/noop-executor.ts) that report when each handler started.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Api, createDatabase, freePort, log, root, sleep, startNode, type BenchDatabase, type Child, type Dialect } from './support.ts';

/** One handler start, as the executor saw it. */
export interface HandlerStart {
  task: string;
  /** The execution's scheduled instant (ms). */
  scheduled: number;
  /** When the handler began (ms, same machine clock). */
  started: number;
  /** For triggered runs: when the benchmark sent the trigger (ms). */
  sent: number | null;
  execution: string;
}

interface ServerProcess {
  child: Child;
  url: string;
  api: Api;
}

export interface Fleet {
  database: BenchDatabase & { dataDir: string };
  servers: ServerProcess[];
  api: Api;
  executorToken: string;
  agents: Child[];
  starts: HandlerStart[];
  startServer(index: number): Promise<ServerProcess>;
  stop(): Promise<void>;
}

export interface FleetOptions {
  dialect: Dialect;
  label: string;
  servers?: number;
  agents?: number;
  agentCapacity?: number;
  /** Extra flags for the server's node (e.g. --cpu-prof). */
  serverNodeFlags?: string[];
  agentNodeFlags?: string[];
  env?: Record<string, string>;
  /** The CLI entry the servers run: the TypeScript sources (default) or the build (dist/cli/main.js). */
  entry?: string;
}

const sourceEntry = join(root, 'src', 'cli', 'main.ts');

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const database = await createDatabase(options.dialect, options.label);
  const adminToken = randomBytes(24).toString('hex');
  const secretKey = randomBytes(32).toString('base64');
  const env = {
    CRONFLEET_ADMIN_TOKEN: adminToken,
    CRONFLEET_SECRET_KEY: secretKey,
    CRONFLEET_RATE_LIMIT_PER_MINUTE: '0',
    CRONFLEET_LOG_LEVEL: 'warn',
    ...options.env,
  };
  const servers: ServerProcess[] = [];
  const ports: number[] = [];
  for (let i = 0; i < (options.servers ?? 1); i++) ports.push(await freePort());
  const startServer = async (index: number): Promise<ServerProcess> => {
    const port = ports[index]!;
    const child = startNode(options.entry ?? sourceEntry, ['server', '--host', '127.0.0.1', '--port', String(port), '--database', database.url, '--data-dir', join(database.dataDir, `server-${index}`)], {
      env: { ...env, CRONFLEET_INSTANCE_ID: `bench-server-${index}` },
      name: `server ${index}`,
      nodeFlags: options.serverNodeFlags ?? [],
    });
    const url = `http://127.0.0.1:${port}`;
    const api = new Api(url, adminToken, 64);
    await waitHealthy(api, child);
    const server = { child, url, api };
    servers[index] = server;
    return server;
  };
  // One at a time: the first runs the migrations.
  for (let i = 0; i < ports.length; i++) await startServer(i);
  log(`${ports.length} server(s) up on ${options.dialect}`);
  const api = servers[0]!.api;
  const executorToken = (await api.expect('POST', '/api/v1/executor-tokens', { name: 'bench' }, 201)).token as string;
  const starts: HandlerStart[] = [];
  const agents: Child[] = [];
  const connected: Array<Promise<void>> = [];
  for (let i = 0; i < (options.agents ?? 2); i++) {
    const agent = startNode(join(root, 'bench', 'noop-executor.ts'), [], {
      name: `agent ${i}`,
      ipc: true,
      nodeFlags: options.agentNodeFlags ?? [],
      env: {
        BENCH_SERVERS: servers.map((server) => server.url).join(','),
        BENCH_TOKEN: executorToken,
        BENCH_NAME: `bench-agent-${i}`,
        BENCH_CAPACITY: String(options.agentCapacity ?? 10_000),
      },
    });
    connected.push(
      new Promise((done, fail) => {
        agent.process.on('message', (message: { connected?: true; starts?: HandlerStart[] }) => {
          if (message.connected) done();
          if (message.starts) for (const start of message.starts) starts.push(start);
        });
        void agent.exited.then(() => fail(new Error(`agent ${i} exited before connecting`)));
      }),
    );
    agents.push(agent);
  }
  await Promise.all(connected);
  log(`${agents.length} agent(s) connected`);
  return {
    database,
    servers,
    api,
    executorToken,
    agents,
    starts,
    startServer,
    async stop() {
      await Promise.all(agents.map((agent) => agent.kill()));
      await Promise.all(servers.map((server) => server.child.kill()));
      for (const server of servers) server.api.close();
    },
  };
}

async function waitHealthy(api: Api, child: Child): Promise<void> {
  const deadline = Date.now() + 60_000;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      if ((await api.request('GET', '/healthz')).status === 200) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`the server at ${api.url} did not become healthy${exited ? ' (it exited)' : ' within 60 s'}`);
}

/** A handler task body for the no-op handler. */
export function noopTask(name: string, cron: string | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, cron_expression: cron, type: 'handler', handler: 'noop', timeout_seconds: 60, ...extra };
}

/** The server's fire-lateness histogram (scheduled instant → fire recorded), cumulative counts by upper bound in ms. */
export async function fireLatenessBuckets(api: Api): Promise<Map<number, number>> {
  const reply = await api.request('GET', '/metrics');
  const buckets = new Map<number, number>();
  for (const line of String(reply.body).split('\n')) {
    const match = /^cronfleet_fire_lateness_seconds_bucket\{le="([^"]+)"\} (\d+)/.exec(line);
    if (match) buckets.set(match[1] === '+Inf' ? Infinity : Number(match[1]) * 1000, Number(match[2]));
  }
  return buckets;
}

/**
 * Between two snapshots: the bucket bounds under which 50 % and 99 % of the fires were
 * recorded. Tells the fire loop's share of the lateness from dispatch's and the agent's.
 */
export function recordedLateness(before: Map<number, number>, after: Map<number, number>): { fires: number; p50_under_ms: number | null; p99_under_ms: number | null } {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const count = (bound: number) => (after.get(bound) ?? 0) - (before.get(bound) ?? 0);
  const total = count(Infinity);
  const under = (q: number) => bounds.find((bound) => count(bound) >= q * total) ?? null;
  return { fires: total, p50_under_ms: total === 0 ? null : under(0.5), p99_under_ms: total === 0 ? null : under(0.99) };
}

/** The server's V8 heap (used and total, MB) from its /metrics: how much of its RSS is live JavaScript data. */
export async function serverHeap(api: Api): Promise<{ heap_used_mb: number | null; heap_total_mb: number | null; external_mb: number | null }> {
  const text = String((await api.request('GET', '/metrics')).body);
  const read = (name: string) => {
    const match = new RegExp(`^cronfleet_${name} (\\S+)`, 'm').exec(text);
    return match ? Math.round(Number(match[1]) / 2 ** 20) : null;
  };
  return { heap_used_mb: read('nodejs_heap_size_used_bytes'), heap_total_mb: read('nodejs_heap_size_total_bytes'), external_mb: read('nodejs_external_memory_bytes') };
}
