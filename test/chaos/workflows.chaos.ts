// Chaos (PostgreSQL and MariaDB runs only) for workflows (issue 19): 3 `cronfleet server`
// processes, 2 agents, a workflow of five steps (fan-out and fan-in) firing every 2 s;
// the leader is SIGKILLed and restarted every ~8 s. Afterwards every scheduled instant has
// exactly one run, every run succeeded, and every step of every run has exactly one
// execution: a kill between a step's end and the next step's start neither loses the next
// step nor starts it twice. Bounded: CHAOS_SECONDS (default 40) plus setup and drain.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeTestData, testDatabaseUrl, testDialect } from '../helpers/database.ts';
import { eventually } from '../scheduler/helpers.ts';
import { clusterApi, kill, launch, type FleetProcess } from './fleet.ts';

const SECONDS = Number(process.env.CHAOS_SECONDS ?? 40);
const KILL_EVERY_MS = 8000;
const ADMIN_TOKEN = 'cf_chaos_admin_token_for_this_test_only';
const SECRET_KEY = randomBytes(32).toString('base64');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe(`workflow chaos on ${testDialect}: the leader killed every ${KILL_EVERY_MS / 1000} s for ${SECONDS} s`, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-wf-chaos-'));
  const servers: Array<FleetProcess | null> = [null, null, null];
  const agents: FleetProcess[] = [];
  let phase = 'setup';
  after(async () => {
    for (const agent of agents) await kill(agent);
    for (const server of servers) if (server) await kill(server);
    await removeTestData(dataDir);
  });

  it('loses no step of a run under way, repeats none, and fires each instant once', { timeout: (SECONDS + 240) * 1000 }, async () => {
    const database = await testDatabaseUrl(dataDir);
    const ports = [await freePort(), await freePort(), await freePort()];
    const urls = ports.map((port) => `http://127.0.0.1:${port}`);
    const startServer = (index: number) => {
      servers[index] = launch(
        `server-${index}`,
        ['server', '--port', String(ports[index]), '--host', '127.0.0.1', '--database', database, '--data-dir', join(dataDir, `server-${index}`), '--log-level', 'error'],
        { CRONFLEET_ADMIN_TOKEN: ADMIN_TOKEN, CRONFLEET_SECRET_KEY: SECRET_KEY, CRONFLEET_INSTANCE_ID: `server-${index}-${Date.now()}`, CRONFLEET_HEARTBEAT_INTERVAL_SECONDS: '2' },
        () => phase,
      );
    };
    const api = clusterApi(urls, ADMIN_TOKEN);
    const leaderIndex = async () => {
      for (const [index, url] of urls.entries()) {
        try {
          const health = (await (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).json()) as { leader: boolean };
          if (health.leader) return index;
        } catch {
          // down
        }
      }
      return -1;
    };
    for (const index of [0, 1, 2]) {
      startServer(index);
      await eventually(async () => (await fetch(`${urls[index]}/readyz`).catch(() => null))?.ok, `server ${index} to start`, 60_000);
    }
    const token = (await api('POST', '/api/v1/executor-tokens', { name: 'chaos' })).body.token as string;
    for (const name of ['agent-a', 'agent-b']) {
      agents.push(launch(name, ['executor', '--server', urls.join(','), '--token', token, '--name', name, '--capacity', '50'], { CRONFLEET_EXECUTOR_TOKEN: token }, () => phase));
    }
    await eventually(async () => ((await api('GET', '/api/v1/executors')).body.items as Array<{ status: string }>).filter((e) => e.status === 'online').length === 2, 'both agents online', 30_000);

    const taskIds: Record<string, string> = {};
    for (const name of ['extract', 'left', 'right', 'join', 'load']) {
      const created = await api('POST', '/api/v1/tasks', { name: `wf-${name}`, command: 'sleep', args: ['0.3'], timeout_seconds: 60 });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      taskIds[name] = created.body.id;
    }
    const workflow = await api('POST', '/api/v1/workflows', {
      name: 'chaos-flow',
      cron_expression: '*/2 * * * * *',
      misfire_policy: 'run_all', // fires missed between a kill and the next leader all run: every instant has a run to audit
      steps: [
        { name: 'extract', task_id: taskIds.extract },
        { name: 'left', task_id: taskIds.left, depends_on: [{ step: 'extract' }] },
        { name: 'right', task_id: taskIds.right, depends_on: [{ step: 'extract' }] },
        { name: 'join', task_id: taskIds.join, depends_on: [{ step: 'left' }, { step: 'right' }] },
        { name: 'load', task_id: taskIds.load, depends_on: [{ step: 'join' }] },
      ],
    });
    assert.equal(workflow.status, 201, JSON.stringify(workflow.body));

    phase = 'kills';
    const deadline = Date.now() + SECONDS * 1000;
    let kills = 0;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(KILL_EVERY_MS, Math.max(0, deadline - Date.now()))));
      if (Date.now() >= deadline) break;
      const leader = await leaderIndex();
      if (leader < 0) continue;
      await kill(servers[leader]!);
      kills += 1;
      startServer(leader);
    }
    assert.ok(kills >= Math.floor(SECONDS / (KILL_EVERY_MS / 1000)) - 1, `the leader was killed ${kills} times`);

    // Stop firing (manual only from now on), let the runs under way finish, then audit them.
    phase = 'drain';
    // Retried: right after the last kill the cluster may be busy electing and catching up.
    await eventually(async () => (await api('PUT', `/api/v1/workflows/${workflow.body.id}`, { cron_expression: null })).status === 200, 'the schedule to stop', 60_000);
    type Step = { name: string; state: string; execution_id: string | null; attempt: number | null };
    type Run = { id: string; status: string; trigger: string; scheduled_time: string; steps: Step[] };
    const readRuns = async () => {
      const runs: Run[] = [];
      for (let page = 1; ; page++) {
        const items = (await api('GET', `/api/v1/workflows/${workflow.body.id}/runs?page=${page}&page_size=200`)).body.items as Run[];
        runs.push(...items);
        if (items.length < 200) return runs;
      }
    };
    const runs = await eventually(
      async () => {
        const read = await readRuns();
        return read.every((run) => run.status !== 'running') ? read : undefined;
      },
      'every run to end',
      120_000,
    );
    assert.ok(runs.length >= SECONDS / 2 - 5, `${runs.length} runs fired in ${SECONDS} s`);
    const instants = runs.map((run) => Date.parse(run.scheduled_time)).sort((a, b) => a - b);
    assert.equal(new Set(instants).size, instants.length, 'an instant fired twice');
    for (let i = 1; i < instants.length; i++) assert.equal(instants[i]! - instants[i - 1]!, 2000, `a hole after ${new Date(instants[i - 1]!).toISOString()}`);
    for (const run of runs) {
      assert.equal(run.status, 'success', `run ${run.id}: ${JSON.stringify(run.steps.map((step) => [step.name, step.state]))}`);
      assert.ok(
        run.steps.every((step) => step.state === 'success' && step.attempt === 1),
        `run ${run.id}: ${JSON.stringify(run.steps)}`,
      );
    }
    // One execution per step of every run: none lost (a run succeeded only with all five), none repeated.
    for (const [name, taskId] of Object.entries(taskIds)) {
      const items: Array<{ workflow_run_id: string | null }> = [];
      for (let page = 1; ; page++) {
        const batch = (await api('GET', `/api/v1/executions?task_id=${taskId}&page=${page}&page_size=1000`)).body.items as typeof items;
        items.push(...batch);
        if (batch.length < 1000) break;
      }
      const perRun = new Map<string, number>();
      for (const item of items) perRun.set(item.workflow_run_id ?? 'none', (perRun.get(item.workflow_run_id ?? 'none') ?? 0) + 1);
      const repeated = [...perRun].filter(([, count]) => count !== 1);
      assert.deepEqual(repeated, [], `step ${name} ran more than once in a run`);
      assert.equal(perRun.size, runs.length, `step ${name} has one execution per run`);
    }
  });
});
