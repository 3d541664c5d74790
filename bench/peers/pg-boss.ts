// pg-boss on its own PostgreSQL database, driven as cronfleet is: 2 worker processes
// (bench/peers/pg-boss-worker.ts) with a no-op handler, jobs sent one by one.
import { join } from 'node:path';
import { PgBoss } from 'pg-boss';
import type { HandlerStart } from '../cronfleet.ts';
import { createDatabase, root, startNode, type Child } from '../support.ts';
import type { QueueUnderTest } from '../throughput.ts';

export async function pgBossQueue(): Promise<QueueUnderTest> {
  const database = await createDatabase('postgres', 'pgboss');
  const name = 'bench';
  const boss = new PgBoss({ connectionString: database.url, max: 16, useListenNotify: true, supervise: false, schedule: false });
  boss.on('error', (error) => process.stderr.write(`pg-boss: ${String(error)}\n`));
  await boss.start();
  await boss.createQueue(name, { notify: true });
  const starts: HandlerStart[] = [];
  const workers: Child[] = [];
  const ready: Array<Promise<void>> = [];
  for (let i = 0; i < 2; i++) {
    const child = startNode(join(root, 'bench', 'peers', 'pg-boss-worker.ts'), [], { name: `pg-boss worker ${i}`, ipc: true, env: { BENCH_DATABASE: database.url, BENCH_QUEUE: name } });
    ready.push(
      new Promise((done) =>
        child.process.on('message', (message: { connected?: true; starts?: HandlerStart[] }) => {
          if (message.connected) done();
          if (message.starts) for (const start of message.starts) starts.push(start);
        }),
      ),
    );
    workers.push(child);
  }
  await Promise.all(ready);
  return {
    name: 'pg-boss',
    starts,
    enqueue: async (sent) => {
      await boss.send(name, { sent });
    },
    stop: async () => {
      await Promise.all(workers.map((worker) => worker.kill()));
      await boss.stop({ graceful: false, timeout: 5000 });
      await database.drop();
    },
  };
}
