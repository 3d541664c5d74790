// `npm run bench -- <workload> [--flags]`: runs one benchmark, progress on stderr, the
// result as JSON on stdout. Workloads: fire-accuracy, throughput, failover, footprint,
// console-load, cleanup-lateness.
// Every run is bounded (`--timeout-seconds`, default per workload) and uses only the
// loopback services; its databases, Redis keys and processes are removed at the end.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { cleanupLateness } from './cleanup-lateness.ts';
import { consoleLoad } from './console-load.ts';
import { failover } from './failover.ts';
import { fireAccuracy } from './fire-accuracy.ts';
import { footprint } from './footprint.ts';
import { cleanup, Flags, log, root } from './support.ts';
import { throughput } from './throughput.ts';

const workloads: Record<string, { run: (flags: Flags) => Promise<Record<string, unknown>>; timeoutSeconds: number; peers: boolean }> = {
  'fire-accuracy': { run: fireAccuracy, timeoutSeconds: 20 * 60, peers: true },
  throughput: { run: throughput, timeoutSeconds: 30 * 60, peers: true },
  failover: { run: failover, timeoutSeconds: 10 * 60, peers: false },
  footprint: { run: footprint, timeoutSeconds: 30 * 60, peers: false },
  'console-load': { run: consoleLoad, timeoutSeconds: 15 * 60, peers: false },
  'cleanup-lateness': { run: cleanupLateness, timeoutSeconds: 45 * 60, peers: false },
};

const [name, ...rest] = process.argv.slice(2);
const workload = name === undefined ? undefined : workloads[name];
if (!workload) {
  process.stderr.write(
    `usage: npm run bench -- <${Object.keys(workloads).join('|')}> [--database sqlite|postgres|mysql] [--tasks N] [--seconds N] [--executions N] [--peers a,b|none] [--cpu-prof DIR] [--timeout-seconds N]\n`,
  );
  process.exit(2);
}
const flags = new Flags(rest);
const timeoutSeconds = flags.number('timeout-seconds', workload.timeoutSeconds);

function installPeers(): void {
  const bench = join(root, 'bench');
  if (existsSync(join(bench, 'node_modules'))) return;
  log('installing the peers (bullmq, pg-boss) into bench/node_modules');
  execFileSync('npm', ['install', '--prefix', bench, '--no-audit', '--no-fund'], { cwd: bench, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
}

function machine(): Record<string, unknown> {
  const cores = cpus();
  return { cpu: cores[0]?.model ?? 'unknown', cores: cores.length, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` };
}

let exitCode = 0;
const deadline = setTimeout(() => {
  log(`time limit of ${timeoutSeconds} s reached: stopping`);
  void cleanup().finally(() => process.exit(3));
}, timeoutSeconds * 1000);
deadline.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void cleanup().finally(() => process.exit(130)));

try {
  if (workload.peers && flags.list('peers', ['default'])[0] !== 'none') installPeers();
  const started = new Date();
  const result = await workload.run(flags);
  process.stdout.write(`${JSON.stringify({ ...result, machine: machine(), started_at: started.toISOString(), duration_s: Math.round((Date.now() - started.getTime()) / 1000) }, null, 2)}\n`);
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(deadline);
}
process.exit(exitCode);
