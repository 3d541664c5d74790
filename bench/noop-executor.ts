// A benchmark agent: an SDK executor offering one no-op handler named `noop`, so the
// benchmark measures the scheduler and dispatch, not process start-up. Each handler
// start (when it began, the scheduled instant, the trigger's send time if the
// benchmark put one in the parameters) goes to the parent over IPC every 200 ms.
// Configured by the parent through BENCH_* variables.
import { startExecutor } from '../src/sdk/index.ts';
import type { HandlerStart } from './cronfleet.ts';

let batch: HandlerStart[] = [];
const send = () => {
  if (batch.length === 0) return;
  process.send?.({ starts: batch });
  batch = [];
};
const flusher = setInterval(send, 200);

const executor = startExecutor({
  server: (process.env.BENCH_SERVERS ?? '').split(','),
  token: process.env.BENCH_TOKEN ?? '',
  name: process.env.BENCH_NAME ?? 'bench-agent',
  capacity: Number(process.env.BENCH_CAPACITY ?? 1000),
  handlers: {
    noop: (context) => {
      const started = Date.now();
      const sent = context.parameters.sent;
      batch.push({ task: context.taskName, scheduled: Date.parse(context.scheduledTime), started, sent: typeof sent === 'number' ? sent : null, execution: context.executionId });
      return null;
    },
  },
});
await executor.connected;
process.send?.({ connected: true });

const stop = async () => {
  clearInterval(flusher);
  send();
  await executor.stop();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('disconnect', () => void stop());
