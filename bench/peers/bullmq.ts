// BullMQ on the loopback Redis, driven the same way as cronfleet: worker processes with
// a no-op processor (bench/peers/bullmq-worker.ts) report each job's start. Every run
// uses its own key prefix and deletes its keys afterwards.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { HandlerStart } from '../cronfleet.ts';
import { instantsBetween, scoreFires, waitForStarts } from '../fire-accuracy.ts';
import { inParallel, log, onCleanup, root, sleep, startNode, type Child } from '../support.ts';
import type { QueueUnderTest } from '../throughput.ts';

const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };

interface BullSetup {
  queue: Queue;
  workers: Child[];
  starts: HandlerStart[];
  stop(): Promise<void>;
}

async function setUp(workers: number, concurrency: number): Promise<BullSetup> {
  const prefix = `cfbench${randomBytes(4).toString('hex')}`;
  const name = 'bench';
  const queue = new Queue(name, { connection, prefix });
  await queue.waitUntilReady();
  const starts: HandlerStart[] = [];
  const children: Child[] = [];
  const ready: Array<Promise<void>> = [];
  for (let i = 0; i < workers; i++) {
    const child = startNode(join(root, 'bench', 'peers', 'bullmq-worker.ts'), [], {
      name: `bullmq worker ${i}`,
      ipc: true,
      env: { BENCH_QUEUE: name, BENCH_PREFIX: prefix, BENCH_CONCURRENCY: String(concurrency) },
    });
    ready.push(
      new Promise((done) =>
        child.process.on('message', (message: { connected?: true; starts?: HandlerStart[] }) => {
          if (message.connected) done();
          if (message.starts) for (const start of message.starts) starts.push(start);
        }),
      ),
    );
    children.push(child);
  }
  await Promise.all(ready);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(children.map((child) => child.kill()));
    await queue.close();
    await deleteKeys(prefix);
  };
  onCleanup(stop);
  return { queue, workers: children, starts, stop };
}

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(connection);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** `tasks` job schedulers with one cron pattern; scores `count` instants `stepMs` apart. */
export async function bullmqFireAccuracy(options: { tasks: number; pattern: string; stepMs: number; count: number }): Promise<Record<string, unknown>> {
  const setup = await setUp(2, 1000);
  try {
    const names = Array.from({ length: options.tasks }, (_, i) => `scheduler-${i}`);
    const started = performance.now();
    await inParallel(names.length, 16, async (i) => {
      await setup.queue.upsertJobScheduler(names[i]!, { pattern: options.pattern }, { name: names[i]!, data: {} });
    });
    const creationMs = Math.round(performance.now() - started);
    const instants = instantsBetween(Date.now() + 3000, Infinity, options.stepMs, options.count);
    log(`bullmq: ${options.tasks} job schedulers '${options.pattern}'; measuring ${instants.length} instants`);
    if (options.stepMs === 1000) await sleep(instants.at(-1)! + 4000 - Date.now());
    else await waitForStarts(setup.starts, options.tasks * instants.length, instants, instants.at(-1)! + 30_000);
    const score = scoreFires(setup.starts, names, instants);
    log(`bullmq '${options.pattern}': p99 ${score.lateness_ms.p99} ms, missed ${score.missed}, doubled ${score.doubled}`);
    return { scheduler_creation_ms: creationMs, ...score };
  } finally {
    await setup.stop();
  }
}

/** BullMQ as a queue for the throughput workload: 2 worker processes. */
export async function bullmqQueue(): Promise<QueueUnderTest> {
  const setup = await setUp(2, 200);
  return {
    name: 'bullmq',
    starts: setup.starts,
    enqueue: async (sent) => {
      await setup.queue.add('noop', { sent }, { removeOnComplete: 1000 });
    },
    stop: () => setup.stop(),
  };
}
