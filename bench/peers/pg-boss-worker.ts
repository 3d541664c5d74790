// A pg-boss worker process for the benchmarks: fetches in batches (woken by NOTIFY),
// a no-op handler, and reports each job's start with the benchmark's send time.
import { PgBoss } from 'pg-boss';

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

const boss = new PgBoss({ connectionString: process.env.BENCH_DATABASE!, max: 4, useListenNotify: true, supervise: false, schedule: false, migrate: false });
boss.on('error', (error) => process.stderr.write(`pg-boss worker: ${String(error)}\n`));
await boss.start();
await boss.work<{ sent?: number }>(process.env.BENCH_QUEUE!, { batchSize: 100, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 5, burstWhenBatchFull: true }, async (jobs) => {
  const started = Date.now();
  for (const job of jobs) {
    const sent = job.data?.sent;
    batch.push({ task: job.name, scheduled: started, started, sent: typeof sent === 'number' ? sent : null, execution: job.id });
  }
});
process.send?.({ connected: true });

const stop = async () => {
  clearInterval(flusher);
  if (batch.length > 0) process.send?.({ starts: batch });
  await boss.stop({ graceful: false, timeout: 5000 });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());
