// footprint: a server's idle RSS and CPU with 0, 10,000 and 100,000 tasks (`--tasks`
// a list; tasks that fire once a year, so the server holds them but does no work);
// an idle agent's RSS (the `cronfleet executor` CLI and an SDK executor); and the
// server with `--executors` (1,000) simulated executors connected and heartbeating.
import { join } from 'node:path';
import { noopTask, serverHeap, startFleet } from './cronfleet.ts';
import { inParallel, log, perSecond, root, sampleIdle, sleep, startNode, type Dialect, type Flags } from './support.ts';

export async function footprint(flags: Flags): Promise<Record<string, unknown>> {
  const dialect = flags.dialect();
  const counts = flags
    .list('tasks', ['0', '10000', '100000'])
    .map(Number)
    .sort((a, b) => a - b);
  const executors = flags.number('executors', 1000);
  const sampleMs = flags.number('sample-seconds', 10) * 1000;
  const settleMs = flags.number('settle-seconds', 5) * 1000;
  const result: Record<string, unknown> = { workload: 'footprint', database: dialect, sample_seconds: sampleMs / 1000 };
  // Each part on its own server: RSS is a high-water mark, so what one part grew would
  // be counted again in the next.
  result.server_idle = await tasksPart(dialect, counts, sampleMs, settleMs);
  Object.assign(result, await fleetPart(dialect, executors, sampleMs, settleMs));
  return result;
}

/** A server's idle RSS and CPU as its task count grows. */
async function tasksPart(dialect: Dialect, counts: number[], sampleMs: number, settleMs: number): Promise<Record<string, unknown>> {
  const fleet = await startFleet({ dialect, label: 'footprint-tasks', agents: 0 });
  const server = fleet.servers[0]!;
  try {
    await sleep(settleMs);
    let created = 0;
    const byCount: Record<string, unknown> = {};
    for (const count of counts) {
      if (count > created) {
        const started = performance.now();
        const from = created;
        await inParallel(
          count - from,
          16,
          async (i) => {
            // Fires on 1 January only: held by the scheduler, idle the rest of the year.
            await server.api.expect('POST', '/api/v1/tasks', noopTask(`footprint-${from + i}`, '0 0 1 1 *'), 201);
          },
          (done) => log(`created ${from + done} tasks`),
        );
        const elapsed = performance.now() - started;
        byCount[`creation_${from}_to_${count}`] = { ms: Math.round(elapsed), tasks_per_second: perSecond(count - from, elapsed) };
        created = count;
        await sleep(settleMs);
      }
      byCount[`tasks_${count}`] = { ...(await sampleIdle(server.child.pid, sampleMs)), ...(await serverHeap(server.api)) };
      log(`server idle with ${count} tasks: ${JSON.stringify(byCount[`tasks_${count}`])}`);
    }
    return byCount;
  } finally {
    await fleet.stop();
  }
}

/** Idle agents (the CLI's and an SDK executor), then many simulated executors on a fresh server. */
async function fleetPart(dialect: Dialect, executors: number, sampleMs: number, settleMs: number): Promise<Record<string, unknown>> {
  const fleet = await startFleet({ dialect, label: 'footprint-fleet', agents: 0 });
  const server = fleet.servers[0]!;
  const result: Record<string, unknown> = {};
  try {
    const cli = startNode(join(root, 'src', 'cli', 'main.ts'), ['executor', '--server', server.url, '--token', fleet.executorToken, '--name', 'idle-cli-agent', '--capacity', '4'], { name: 'cli agent' });
    await sleep(settleMs + 3000);
    result.agent_cli_idle = await sampleIdle(cli.pid, sampleMs);
    await cli.kill();
    const sdk = startNode(join(root, 'bench', 'noop-executor.ts'), [], {
      name: 'sdk agent',
      ipc: true,
      env: { BENCH_SERVERS: server.url, BENCH_TOKEN: fleet.executorToken, BENCH_NAME: 'idle-sdk-agent', BENCH_CAPACITY: '4' },
    });
    await sleep(settleMs + 3000);
    result.agent_sdk_idle = await sampleIdle(sdk.pid, sampleMs);
    await sdk.kill();
    log(`agents idle: cli ${JSON.stringify(result.agent_cli_idle)}, sdk ${JSON.stringify(result.agent_sdk_idle)}`);

    if (executors > 0) {
      const before = { ...(await sampleIdle(server.child.pid, sampleMs)), ...(await serverHeap(server.api)) };
      const simulated = startNode(join(root, 'bench', 'simulated-executors.ts'), [], {
        name: 'simulated executors',
        ipc: true,
        env: { BENCH_SERVER: server.url, BENCH_TOKEN: fleet.executorToken, BENCH_EXECUTORS: String(executors) },
      });
      const connected = await new Promise<{ welcomed: number; failed: number; connect_ms: number }>((done) => simulated.process.once('message', done));
      log(`${connected.welcomed} simulated executors connected in ${connected.connect_ms} ms`);
      await sleep(settleMs);
      const online = (await server.api.expect('GET', '/api/v1/executors?page_size=1&status=online', undefined, 200)) as { total?: number };
      // Heartbeats come every interval (5 s): sample at least 3 of them.
      result.simulated_executors = {
        requested: executors,
        ...connected,
        online_per_api: online.total ?? null,
        server_before: before,
        server_connected: { ...(await sampleIdle(server.child.pid, Math.max(sampleMs, 15_000))), ...(await serverHeap(server.api)) },
      };
      log(`server with ${executors} executors: ${JSON.stringify(result.simulated_executors)}`);
      await simulated.kill();
    }
    return result;
  } finally {
    await fleet.stop();
  }
}
