// footprint: a server's idle RSS and CPU with 0, 10,000 and 100,000 tasks (`--tasks`
// a list; tasks that fire once a year, so the server holds them but does no work);
// one CLI call (`cronfleet task ls`) against a bare `node -e ''` start, alternating in
// the same run (`--calls` of each, 20); an idle agent's RSS (the `cronfleet executor`
// CLI and an SDK executor); and the server with `--executors` (1,000) simulated
// executors connected and heartbeating.
// `--entry dist` (default) runs the servers, the CLI and the agent from the build, as
// bin/cronfleet does (built first with `npm run build`); `--entry src` from the
// TypeScript sources, as before there was a build.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { noopTask, serverHeap, startFleet } from './cronfleet.ts';
import { distribution, inParallel, log, memoryMap, perSecond, root, sampleIdle, sleep, startNode, type Api, type Dialect, type Flags } from './support.ts';

export async function footprint(flags: Flags): Promise<Record<string, unknown>> {
  const dialect = flags.dialect();
  const counts = flags
    .list('tasks', ['0', '10000', '100000'])
    .map(Number)
    .sort((a, b) => a - b);
  const executors = flags.number('executors', 1000);
  const sampleMs = flags.number('sample-seconds', 10) * 1000;
  const settleMs = flags.number('settle-seconds', 5) * 1000;
  const calls = flags.number('calls', 20);
  const entry = flags.string('entry', 'dist');
  const result: Record<string, unknown> = { workload: 'footprint', database: dialect, entry, sample_seconds: sampleMs / 1000, settle_seconds: settleMs / 1000 };
  const script = cliEntry(entry);
  // Each part on its own server: RSS is a high-water mark, so what one part grew would
  // be counted again in the next.
  result.server_idle = await tasksPart(dialect, script, counts, sampleMs, settleMs);
  Object.assign(result, await fleetPart(dialect, script, executors, calls, sampleMs, settleMs));
  return result;
}

/** The build's servers run with the V8 flags bin/cronfleet gives `up` and `server`. */
const serverFlags = (script: string) => (script.endsWith('.js') ? ['--max-semi-space-size=16', '--v8-pool-size=2'] : []);
/** The build's agent runs with the V8 flags bin/cronfleet gives `executor`. */
const agentFlags = (script: string) => (script.endsWith('.js') ? ['--v8-pool-size=1'] : []);

/** The script servers, the CLI and the agent run: the build's (built now) or the sources' entry. */
function cliEntry(entry: string): string {
  if (entry === 'src') return join(root, 'src', 'cli', 'main.ts');
  if (entry !== 'dist') throw new Error(`--entry must be dist or src, got '${entry}'`);
  log('building dist/ (npm run build)');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  return join(root, 'dist', 'cli', 'main.js');
}

/** A server's idle RSS and CPU as its task count grows. */
async function tasksPart(dialect: Dialect, script: string, counts: number[], sampleMs: number, settleMs: number): Promise<Record<string, unknown>> {
  const fleet = await startFleet({ dialect, label: 'footprint-tasks', agents: 0, entry: script, serverNodeFlags: serverFlags(script) });
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
      byCount[`tasks_${count}`] = { ...(await sampleIdle(server.child.pid, sampleMs)), ...(await serverHeap(server.api)), memory_map: memoryMap(server.child.pid) };
      log(`server idle with ${count} tasks: ${JSON.stringify(byCount[`tasks_${count}`])}`);
    }
    return byCount;
  } finally {
    await fleet.stop();
  }
}

/** CLI calls against bare Node starts, idle agents (the CLI's and an SDK executor), then many simulated executors on a fresh server. */
async function fleetPart(dialect: Dialect, script: string, executors: number, calls: number, sampleMs: number, settleMs: number): Promise<Record<string, unknown>> {
  const fleet = await startFleet({ dialect, label: 'footprint-fleet', agents: 0, entry: script, serverNodeFlags: serverFlags(script) });
  const server = fleet.servers[0]!;
  const result: Record<string, unknown> = {};
  try {
    if (calls > 0) {
      result.cli_call = await cliCalls(script, server.url, server.api, calls);
      log(`cli call: ${JSON.stringify(result.cli_call)}`);
    }
    const cli = startNode(script, ['executor', '--server', server.url, '--token', fleet.executorToken, '--name', 'idle-cli-agent', '--capacity', '4'], { name: 'cli agent', nodeFlags: agentFlags(script) });
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
      const before = { ...(await sampleIdle(server.child.pid, sampleMs)), ...(await serverHeap(server.api)), memory_map: memoryMap(server.child.pid) };
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
        server_connected: { ...(await sampleIdle(server.child.pid, Math.max(sampleMs, 15_000))), ...(await serverHeap(server.api)), memory_map: memoryMap(server.child.pid) },
      };
      log(`server with ${executors} executors: ${JSON.stringify(result.simulated_executors)}`);
      await simulated.kill();
    }
    return result;
  } finally {
    await fleet.stop();
  }
}

/**
 * `cronfleet task ls` (20 tasks listed) and `node -e ''`, each `calls` times, one after
 * the other so both see the same load; each timed from spawn to exit. One of each first,
 * not counted, so both start with the OS's file cache and Node's compile cache warm.
 */
async function cliCalls(script: string, url: string, api: Api, calls: number): Promise<Record<string, unknown>> {
  for (let i = 0; i < 20; i++) await api.expect('POST', '/api/v1/tasks', noopTask(`cli-call-${i}`, '0 0 1 1 *'), 201);
  const { token } = (await api.expect('POST', '/api/v1/tokens', { name: 'bench-cli', role: 'viewer' }, 201)) as { token: string };
  const bareArgs = ['-e', ''];
  const cliArgs = ['--disable-warning=ExperimentalWarning', script, 'task', 'ls', '--server', url, '--token', token];
  await timedRun(bareArgs);
  await timedRun(cliArgs);
  const bare: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < calls; i++) {
    bare.push(await timedRun(bareArgs));
    cli.push(await timedRun(cliArgs));
  }
  const bareMs = distribution(bare);
  const cliMs = distribution(cli);
  return { calls, bare_node_ms: bareMs, task_ls_ms: cliMs, ratio_p50: bareMs.p50 && cliMs.p50 ? Math.round((cliMs.p50 / bareMs.p50) * 100) / 100 : null };
}

/** Runs the pinned Node with `args`; the milliseconds from spawn to exit (a failure throws). */
function timedRun(args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', fail);
    child.once('exit', (code) => (code === 0 ? done(performance.now() - started) : fail(new Error(`node ${args.join(' ')} exited with ${code}: ${stderr.trim()}`))));
  });
}
