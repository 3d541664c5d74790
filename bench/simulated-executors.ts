// Many executors in one process, for the footprint workload: each is a bare WebSocket
// that says hello with the executor token and then heartbeats at the interval the
// server asks for, as a real agent with nothing to run does. Reports over IPC.
import { WebSocket } from 'ws';

const url = `${process.env.BENCH_SERVER!.replace(/^http/, 'ws')}/ws/executor`;
const token = process.env.BENCH_TOKEN!;
const count = Number(process.env.BENCH_EXECUTORS ?? 1000);
const sockets: WebSocket[] = [];
let welcomed = 0;
let failed = 0;

function connect(index: number): Promise<void> {
  return new Promise((done) => {
    const socket = new WebSocket(url);
    sockets.push(socket);
    let timer: NodeJS.Timeout | null = null;
    socket.on('open', () => {
      socket.send(
        JSON.stringify({
          action: 'hello',
          name: `simulated-${index}`,
          instance_id: `bench-simulated-${index}`,
          labels: {},
          capacity: 1,
          runners: ['handler:noop'],
          running: [],
          protocol_version: 1,
          version: 'bench',
          token,
        }),
      );
    });
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(String(data)) as { action: string; heartbeat_interval_ms?: number };
      if (message.action === 'welcome') {
        welcomed += 1;
        timer = setInterval(() => socket.send(JSON.stringify({ action: 'heartbeat', running: [] })), message.heartbeat_interval_ms ?? 5000);
        done();
      }
    });
    socket.on('error', () => {
      failed += 1;
      done();
    });
    socket.on('close', () => {
      if (timer) clearInterval(timer);
      done();
    });
  });
}

const started = performance.now();
// 20 handshakes at a time: a fleet coming up, not a thundering herd.
let next = 0;
await Promise.all(
  Array.from({ length: 20 }, async () => {
    while (next < count) await connect(next++);
  }),
);
process.send?.({ welcomed, failed, connect_ms: Math.round(performance.now() - started) });

process.on('disconnect', () => {
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});
process.on('SIGTERM', () => {
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});
