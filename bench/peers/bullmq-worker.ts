// A BullMQ worker process for the benchmarks: a no-op processor that reports when each
// job started, like bench/noop-executor.ts does for cronfleet. A job-scheduler job's
// scheduled instant is in its id (`repeat:<scheduler id>:<millis>`); a queued job
// carries the benchmark's send time in `data.sent`.
import { Worker } from 'bullmq';

interface Start {
  task: string;
  scheduled: number;
  started: number;
  sent: number | null;
  execution: string;
}
let batch: Start[] = [];
const flusher = setInterval(() => {
  if (batch.length > 0) process.send?.({ starts: batch });
  batch = [];
}, 200);

const worker = new Worker(
  process.env.BENCH_QUEUE!,
  async (job) => {
    const started = Date.now();
    const id = job.id ?? '';
    const repeat = /^repeat:(.+):(\d+)$/.exec(id);
    const sent = (job.data as { sent?: unknown }).sent;
    batch.push({ task: repeat ? repeat[1]! : job.name, scheduled: repeat ? Number(repeat[2]) : job.timestamp, started, sent: typeof sent === 'number' ? sent : null, execution: id });
    return null;
  },
  {
    connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null },
    prefix: process.env.BENCH_PREFIX!,
    concurrency: Number(process.env.BENCH_CONCURRENCY ?? 100),
    removeOnComplete: { count: 1000 },
  },
);
await worker.waitUntilReady();
process.send?.({ connected: true });

const stop = async () => {
  clearInterval(flusher);
  if (batch.length > 0) process.send?.({ starts: batch });
  await worker.close(true);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());
