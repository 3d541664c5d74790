// Faults (PostgreSQL and MariaDB runs only): two `cronfleet server` processes sharing one
// database, two `cronfleet executor` agents, 20 tasks firing every second and 4 every
// two seconds with retries, while the database goes away, an agent freezes and an
// agent's link goes dead. Afterwards: no process died, no instant ran twice (counted
// from the tasks' own side effects, and from the database), nothing is left pending or
// running, and every agent is online again.
//
// The database servers on the test machine are shared with other work, so they are never
// stopped. Each server reaches the database through its own TCP proxy on loopback
// instead: `cut()` for 20 s (every connection reset, new ones refused) stands for "the
// database is stopped", `restore()` for "started", and a `cut()` followed at once by
// `restore()` for "restarted" (every connection dies, the database is back at once).
//
// agent-a reaches server A through a proxy and lists server B (through another) second;
// blackholing A's proxy (connections stay open, no byte passes) is a dead link that never
// closes, which the agent must notice and leave for B. agent-b is SIGSTOPped for 6 s.
//
// Bounded: about 100 s of load, then a drain of at most 90 s; under 4 minutes per database.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeTestData, testDatabaseUrl, testDialect } from '../helpers/database.ts';
import { createTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { eventually } from '../scheduler/helpers.ts';
import { clusterApi, kill, launch, startServer, type FleetProcess } from './fleet.ts';
import { markerScript, readExecutions, readMarker, repeatedInstants, show, summarize } from './run-ledger.ts';

const EVERY_SECOND = 20;
const EVERY_TWO_SECONDS_WITH_RETRIES = 4;
const ADMIN_TOKEN = 'cf_faults_admin_token_for_this_test_only';
const SECRET_KEY = randomBytes(32).toString('base64');

/** The database URL with its host and port replaced by a proxy's. */
function throughProxy(databaseUrl: string, proxy: TcpProxy): string {
  const url = new URL(databaseUrl);
  url.host = proxy.address;
  return url.toString();
}

// SQLite is a file, not a server reached over TCP: there is no link to cut.
const onlyOverTcp = testDialect === 'sqlite' ? 'needs CRONFLEET_TEST_DATABASE=postgres or mysql (a database reached over TCP)' : false;

describe(`faults on ${testDialect}: database stopped, started and restarted, an agent frozen, an agent's link blackholed`, { skip: onlyOverTcp }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-faults-'));
  const marker = join(dataDir, 'completed-runs.txt');
  const servers: FleetProcess[] = [];
  const agents: FleetProcess[] = [];
  const proxies: TcpProxy[] = [];
  let phase = 'setup';
  let agentWatch: { stop(): Promise<void> } | null = null;
  after(async () => {
    await agentWatch?.stop();
    for (const proc of [...agents, ...servers]) await kill(proc);
    for (const proxy of proxies) await proxy.stop();
    await removeTestData(dataDir);
  });

  it('keeps every process alive, runs no instant twice, leaves nothing pending or running and brings every agent back', { timeout: 360_000 }, async () => {
    const database = await testDatabaseUrl(dataDir);
    const databaseTarget = new URL(database).host;
    const databaseProxies = [createTcpProxy(databaseTarget), createTcpProxy(databaseTarget)];
    proxies.push(...databaseProxies);
    for (const proxy of databaseProxies) await proxy.start();

    const timeline: string[] = [];
    const note = (what: string) => {
      timeline.push(`${new Date().toISOString()} ${what}`);
      console.log(`faults: ${timeline.at(-1)}`);
    };
    const enter = (name: string) => {
      phase = name;
      note(name);
    };
    const tails = () => [...servers, ...agents].map((proc) => `--- ${proc.name}, last lines ---\n${proc.lastLines()}`).join('\n');

    const instanceIds = ['faults-server-a', 'faults-server-b'].map((id) => `${id}-${process.pid}`);
    const urls: string[] = [];
    for (const [index, name] of ['server-a', 'server-b'].entries()) {
      const { url } = await startServer(name, {
        database: throughProxy(database, databaseProxies[index]!),
        dataDir: join(dataDir, name),
        // One secret key for the cluster: each server has its own data dir, so none may generate its own.
        env: { CRONFLEET_ADMIN_TOKEN: ADMIN_TOKEN, CRONFLEET_SECRET_KEY: SECRET_KEY, CRONFLEET_INSTANCE_ID: instanceIds[index]! },
        phase: () => phase,
        launched: (proc) => servers.push(proc),
      });
      urls.push(url);
    }
    const api = clusterApi(urls, ADMIN_TOKEN);
    for (const [index, url] of urls.entries()) {
      await eventually(
        async () => {
          if (servers[index]!.exit) throw new Error(`${servers[index]!.name} exited during setup:\n${servers[index]!.tail()}`);
          return (await fetch(`${url}/readyz`).catch(() => null))?.ok;
        },
        `${servers[index]!.name} to be ready`,
        60_000,
      );
    }

    // agent-a reaches both servers through proxies: A's is the one blackholed, B's lets the test
    // move agent-a back to A before that if an earlier fault sent it to B (see below).
    const agentProxies = [createTcpProxy(urls[0]!), createTcpProxy(urls[1]!)] as const;
    proxies.push(...agentProxies);
    for (const proxy of agentProxies) await proxy.start();
    const [agentProxyA, agentProxyB] = agentProxies;
    const token = (await api('POST', '/api/v1/executor-tokens', { name: 'faults' })).body.token as string;
    const agentServers = { 'agent-a': [agentProxyA.url, agentProxyB.url], 'agent-b': [urls[1]!, urls[0]!] };
    for (const [name, serverList] of Object.entries(agentServers)) {
      agents.push(launch(name, ['executor', '--server', serverList.join(','), '--token', token, '--name', name, '--capacity', '50'], { CRONFLEET_EXECUTOR_TOKEN: token }, () => phase));
    }
    const [agentA, agentB] = agents as [FleetProcess, FleetProcess];
    const agentStatuses = async () => (((await api('GET', '/api/v1/executors')).body?.items ?? []) as Array<{ name: string; status: string }>).filter((executor) => executor.name in agentServers);
    const allAgentsOnline = async () => {
      const statuses = await agentStatuses();
      return statuses.length === agents.length && statuses.every((executor) => executor.status === 'online');
    };
    await eventually(allAgentsOnline, 'both agents online', 30_000);
    agentWatch = watchAgents(agentStatuses, note);

    const taskIds: string[] = [];
    const create = async (body: Record<string, unknown>) => {
      const created = await api('POST', '/api/v1/tasks', { command: '/bin/sh', env: { FAULT_MARKER: marker }, timeout_seconds: 20, ...body });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      taskIds.push(created.body.id);
    };
    for (let i = 0; i < EVERY_SECOND; i++) {
      await create({ name: `every-second-${i}`, cron_expression: '* * * * * *', args: ['-c', markerScript({ failFirstAttemptSometimes: false })] });
    }
    for (let i = 0; i < EVERY_TWO_SECONDS_WITH_RETRIES; i++) {
      await create({
        name: `retried-${i}`,
        cron_expression: '*/2 * * * * *',
        args: ['-c', markerScript({ failFirstAttemptSometimes: true })],
        max_retry: 2,
        retry_backoff_seconds: 1,
        retry_backoff_max_seconds: 2,
      });
    }

    // After each fault's recovery window every agent must be online again; checked here and
    // not only at the end, because a later fault's reconnect can hide an agent that never came back.
    const problems: string[] = [];
    const checkpoint = async (fault: string) => {
      if (await poll(allAgentsOnline, 15_000)) return;
      problems.push(`agents not all online at the end of the recovery after ${fault} (+15 s):\n${show(await agentStatuses())}`);
      note(`CHECK FAILED: agents not all online after ${fault}`);
    };

    enter('warm-up');
    await hold(10_000);

    enter('database stopped (both database proxies cut)');
    for (const proxy of databaseProxies) proxy.cut();
    await hold(20_000);
    for (const proxy of databaseProxies) proxy.restore();
    enter('database started');
    await hold(10_000);
    await checkpoint('the database outage');

    enter('database restarted (cut and restored at once)');
    for (const proxy of databaseProxies) proxy.cut();
    for (const proxy of databaseProxies) proxy.restore();
    await hold(10_000);
    await checkpoint('the database restart');

    // Longer than the server's liveness deadline (5 s: the link is dropped and the agent
    // must reconnect), shorter than a freeze its runs are sure to survive. They are lost
    // once the last heartbeat is older than the loss window (12.5 s at the default 5 s
    // interval), and that heartbeat may be up to 5 s old when the freeze starts: 8 s left
    // the resumed agent under 0.5 s to be heard again in some runs, and its runs were lost.
    enter('agent-b frozen (SIGSTOP)');
    agentB.child.kill('SIGSTOP');
    await hold(6000);
    agentB.child.kill('SIGCONT');
    enter('agent-b resumed (SIGCONT)');
    await hold(10_000);
    await checkpoint('the agent freeze');

    // The phase only tests something if agent-a's link runs through A's proxy when it goes
    // dead. An earlier fault may have sent agent-a to B (it rotates servers on every lost
    // link): then its link to B is cut once, and it comes back to A, the next in its list.
    const escape = (url: string) => url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (agentProxyA.connections() === 0) {
      note('agent-a is not linked through the proxy to A: its link to B is cut once to send it back');
      const back = agentA.waitFor(new RegExp(`connected to ${escape(agentProxyA.url)}`), 20_000);
      agentProxyB.cut();
      agentProxyB.restore();
      note((await back) ? 'agent-a is back on A' : 'agent-a did not come back to A within 20 s');
    }
    const agentAOnProxy = agentProxyA.connections() > 0;
    enter(`agent-a's link to server A blackholed (agent-a ${agentAOnProxy ? 'is' : 'is NOT'} linked through that proxy)`);
    const failedOver = agentA.waitFor(new RegExp(`connected to ${escape(agentProxyB.url)}`), 25_000).then((found) => {
      if (found) note('agent-a connected to server B');
      return found;
    });
    agentProxyA.blackhole();
    await hold(25_000);
    agentProxyA.restore();
    enter('agent-a proxy restored');
    await hold(10_000);

    enter('pausing every task and draining');
    for (const id of taskIds) await eventually(async () => (await api('POST', `/api/v1/tasks/${id}/pause`)).status === 200, `task ${id} paused`, 30_000);
    let counts: unknown = null;
    const drained = await poll(async () => {
      const status = (await api('GET', '/api/v1/system/status')).body as { running: number; pending: number } | null;
      counts = status && { running: status.running, pending: status.pending };
      return status !== null && status.running === 0 && status.pending === 0;
    }, 90_000);
    note(drained ? 'drained' : `not drained after 90 s (${JSON.stringify(counts)})`);
    const agentsBack = await poll(allAgentsOnline, 30_000);
    await agentWatch.stop();
    enter('auditing');

    const rows = await readExecutions(database);
    const completed = readMarker(marker);
    console.log(`faults on ${testDialect}:\n  timeline:\n${timeline.map((line) => `    ${line}`).join('\n')}\n${summarize(rows, completed)}`);

    const exits = [...servers, ...agents].flatMap((proc) => (proc.exit ? [proc.exit] : []));
    if (exits.length > 0) problems.push(`processes died under the faults:\n${show(exits)}`);

    const ranTwice = repeatedInstants(completed);
    if (ranTwice.length > 0) {
      const instants = new Set(ranTwice.map((group) => `${group[0]!.task} ${group[0]!.scheduledTime}`));
      const theirRows = rows.filter((row) => instants.has(`${row.task} ${row.scheduledTime}`));
      problems.push(`instants whose command completed more than once (marker lines, grouped):\n${show(ranTwice)}\ntheir executions in the database:\n${show(theirRows)}`);
    }
    const succeededTwice = repeatedInstants(rows.filter((row) => row.status === 'success'));
    if (succeededTwice.length > 0) problems.push(`instants with more than one successful execution in the database:\n${show(succeededTwice)}`);

    // The agent re-sends a result until the server acknowledges it (README, Executors), so a run
    // whose command completed must end up recorded as a success, not as a timeout or a loss.
    const byId = new Map(rows.map((row) => [row.id, row]));
    const misrecorded = completed.filter((line) => byId.get(line.executionId)?.status !== 'success');
    if (misrecorded.length > 0) {
      problems.push(`runs whose command completed but which the database records otherwise (their result was lost):\n${show(misrecorded.map((line) => byId.get(line.executionId) ?? line))}`);
    }

    const unfinished = rows.filter((row) => row.status === 'pending' || row.status === 'running');
    if (unfinished.length > 0) problems.push(`executions left pending or running after the drain:\n${show(unfinished)}`);

    if (!agentsBack) problems.push(`agents not online 30 s after the drain:\n${show(await agentStatuses())}`);
    if (!agentAOnProxy) problems.push('agent-a was not connected through its proxy when the link was blackholed, so its failover was not tested');
    else if (!(await failedOver)) problems.push(`agent-a did not fail over to server B (${agentProxyB.url}) within the 25 s its link to server A was blackholed`);
    if (completed.length < EVERY_SECOND * 60) problems.push(`only ${completed.length} runs completed: the fleet hardly worked`);

    assert.equal(problems.length, 0, `${problems.join('\n\n')}\n\ntimeline:\n${timeline.join('\n')}\n\n${tails()}`);
  });
});

/** The faults are held for a set time on purpose: the length of the outage is the scenario. */
function hold(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Checks every 500 ms until `check` passes (true) or `timeoutMs` is over (false); a throwing check counts as not yet. */
async function poll(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await hold(500);
  }
}

/** Notes every change of an agent's status (as the API reports it, once a second) until stopped. */
function watchAgents(statuses: () => Promise<Array<{ name: string; status: string }>>, note: (what: string) => void): { stop(): Promise<void> } {
  let stopped = false;
  const seen = new Map<string, string>();
  const loop = (async () => {
    while (!stopped) {
      for (const { name, status } of await statuses().catch(() => [])) {
        if (seen.get(name) !== status) note(`${name} is ${status} (API)`);
        seen.set(name, status);
      }
      await hold(1000);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
