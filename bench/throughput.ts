// throughput: on-demand executions of a no-op handler through 2 agents.
// 1. A burst of `--executions` (50,000) triggers, 64 in flight: executions/s from the
//    first trigger to the last handler start (and, for cronfleet, to the last success).
// 2. Fixed offered rates (`--rates`, default 100,1000,5000 per second) for `--seconds`
//    (10) each, open loop: trigger→handler-start p50/p99, and the rate actually offered
//    (the benchmark's own HTTP client shares the 2 cores).
// The same with BullMQ and pg-boss (`--peers`), and the raw database limit.
import { noopTask, startFleet, type HandlerStart } from './cronfleet.ts';
import { profileFlags } from './fire-accuracy.ts';
import { rawDatabaseLimit } from './raw-database.ts';
import { distribution, loadPeer, log, perSecond, sleep, type Flags } from './support.ts';

export interface QueueUnderTest {
  name: string;
  starts: HandlerStart[];
  /** Requests one execution now; resolves when the system accepted it. */
  enqueue(sent: number): Promise<void>;
  /** Executions that ended successfully, when the system can say. */
  succeeded?(): Promise<number>;
  stop(): Promise<void>;
}

const IN_FLIGHT = 64;

export async function throughput(flags: Flags): Promise<Record<string, unknown>> {
  const dialect = flags.dialect();
  const executions = flags.number('executions', 50_000);
  const rates = flags.list('rates', ['100', '1000', '5000']).map(Number);
  const seconds = flags.number('seconds', 10);
  const peers = flags.list('peers', ['bullmq', 'pg-boss', 'raw']);
  const result: Record<string, unknown> = { workload: 'throughput', database: dialect, executions, in_flight: IN_FLIGHT, rates, seconds_per_rate: seconds };

  result.cronfleet = await measure(await cronfleetQueue(flags), executions, rates, seconds);
  if (peers.includes('bullmq')) {
    const { bullmqQueue } = (await loadPeer('bullmq')) as { bullmqQueue: () => Promise<QueueUnderTest> };
    result.bullmq = await measure(await bullmqQueue(), executions, rates, seconds);
  }
  if (peers.includes('pg-boss')) {
    const { pgBossQueue } = (await loadPeer('pg-boss')) as { pgBossQueue: () => Promise<QueueUnderTest> };
    result.pg_boss = await measure(await pgBossQueue(), executions, rates, seconds);
  }
  if (peers.includes('raw')) {
    log(`raw ${dialect} insert + claim + complete loop: ${executions} jobs`);
    result.raw_database = await rawDatabaseLimit(dialect, executions);
  }
  return result;
}

async function cronfleetQueue(flags: Flags): Promise<QueueUnderTest> {
  const fleet = await startFleet({ dialect: flags.dialect(), label: 'throughput', serverNodeFlags: profileFlags(flags, 'throughput') });
  const task = await fleet.api.expect('POST', '/api/v1/tasks', noopTask('throughput', null), 201);
  const path = `/api/v1/tasks/${task.id as string}/trigger`;
  return {
    name: 'cronfleet',
    starts: fleet.starts,
    enqueue: async (sent) => {
      await fleet.api.expect('POST', path, { parameters: { sent } }, 202);
    },
    succeeded: async () => (await fleet.api.expect('GET', '/api/v1/executions?status=success&page_size=1', undefined, 200)).total as number,
    stop: () => fleet.stop(),
  };
}

async function measure(system: QueueUnderTest, executions: number, rates: number[], seconds: number): Promise<Record<string, unknown>> {
  try {
    const result: Record<string, unknown> = {};
    if (executions > 0) result.burst = await burst(system, executions);
    result.fixed_rates = [];
    for (const rate of rates) (result.fixed_rates as unknown[]).push(await fixedRate(system, rate, seconds));
    return result;
  } finally {
    await system.stop();
  }
}

async function burst(system: QueueUnderTest, executions: number): Promise<Record<string, unknown>> {
  log(`${system.name}: burst of ${executions} executions, ${IN_FLIGHT} requests in flight`);
  const first = system.starts.length;
  const started = performance.now();
  const wallStart = Date.now();
  let sent = 0;
  const progress = setInterval(() => log(`${system.name}: ${sent} requested, ${system.starts.length - first} started`), 5000);
  try {
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (sent < executions) {
          sent += 1;
          await system.enqueue(Date.now());
        }
      }),
    );
    const enqueuedMs = performance.now() - started;
    const deadline = Date.now() + 120_000 + executions * 2;
    while (system.starts.length - first < executions && Date.now() < deadline) await sleep(100);
    const ours = system.starts.slice(first);
    const lastStart = ours.reduce((latest, start) => Math.max(latest, start.started), wallStart);
    const startedMs = lastStart - wallStart;
    let succeededMs: number | null = null;
    let succeeded: number | null = null;
    if (system.succeeded) {
      while (Date.now() < deadline && (succeeded = await system.succeeded()) < executions) await sleep(250);
      succeededMs = Date.now() - wallStart;
    }
    const out = {
      requested: executions,
      started: ours.length,
      // The same execution's handler started twice (a run delivered twice).
      doubled: ours.length - new Set(ours.map((start) => start.execution)).size,
      requests_per_second: perSecond(executions, enqueuedMs),
      executions_per_second: perSecond(ours.length, startedMs),
      ...(succeeded !== null ? { succeeded, succeeded_per_second: perSecond(succeeded, succeededMs!) } : {}),
      trigger_to_start_ms: distribution(ours.filter((start) => start.sent !== null).map((start) => start.started - start.sent!)),
    };
    log(`${system.name}: ${out.executions_per_second} executions/s`);
    return out;
  } finally {
    clearInterval(progress);
  }
}

/** Open loop: requests go out on the clock whether or not earlier ones finished; with 2,000 outstanding, due requests are counted as not sent (the system is saturated). */
async function fixedRate(system: QueueUnderTest, rate: number, seconds: number): Promise<Record<string, unknown>> {
  log(`${system.name}: ${rate}/s for ${seconds} s`);
  const first = system.starts.length;
  const begin = performance.now();
  const durationMs = seconds * 1000;
  let sent = 0;
  let inFlight = 0;
  let dropped = 0;
  let failures = 0;
  const pending = new Set<Promise<void>>();
  while (performance.now() - begin < durationMs) {
    const due = Math.floor(((performance.now() - begin) / 1000) * rate);
    while (sent + dropped < due) {
      if (inFlight >= 2000) {
        dropped += 1;
        continue;
      }
      sent += 1;
      inFlight += 1;
      const request = system
        .enqueue(Date.now())
        .catch(() => void (failures += 1))
        .finally(() => {
          inFlight -= 1;
          pending.delete(request);
        });
      pending.add(request);
    }
    await sleep(2);
  }
  await Promise.all(pending);
  const deadline = Date.now() + 60_000;
  while (system.starts.length - first < sent - failures && Date.now() < deadline) await sleep(100);
  const ours = system.starts.slice(first);
  const latencies = ours.filter((start) => start.sent !== null).map((start) => start.started - start.sent!);
  const out = {
    offered_per_second: rate,
    achieved_offered_per_second: perSecond(sent, durationMs),
    not_sent_2000_outstanding: dropped,
    failed_requests: failures,
    started: ours.length,
    doubled: ours.length - new Set(ours.map((start) => start.execution)).size,
    trigger_to_start_ms: distribution(latencies),
  };
  log(`${system.name} @${rate}/s: p50 ${out.trigger_to_start_ms.p50} ms, p99 ${out.trigger_to_start_ms.p99} ms`);
  return out;
}
