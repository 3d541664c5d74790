// failover: two servers on one PostgreSQL (or MySQL) database, `--tasks` (100) tasks
// firing every second, 2 agents that know both servers. After `--warmup` (10) seconds
// the leader is killed with SIGKILL; the fires of the next `--seconds` (30) seconds say
// how long until every fire of an instant started within `--on-time-ms` (1000) again,
// and how many fires were lost or doubled. `--lease-ttl-seconds` (5, the default of
// lease_ttl_seconds) sets how long a dead leader's lease holds.
import { noopTask, startFleet } from './cronfleet.ts';
import { instantsBetween, scoreFires } from './fire-accuracy.ts';
import { distribution, inParallel, log, sleep, type Flags } from './support.ts';

export async function failover(flags: Flags): Promise<Record<string, unknown>> {
  const dialect = flags.dialect('postgres');
  if (dialect === 'sqlite') throw new Error('failover needs a shared database: --database postgres or mysql');
  const tasks = flags.number('tasks', 100);
  const warmup = flags.number('warmup', 10);
  const seconds = flags.number('seconds', 30);
  const onTimeMs = flags.number('on-time-ms', 1000);
  const leaseTtl = flags.number('lease-ttl-seconds', 5);
  const fleet = await startFleet({ dialect, label: 'failover', servers: 2, env: { CRONFLEET_LEASE_TTL_SECONDS: String(leaseTtl) } });
  try {
    const names = Array.from({ length: tasks }, (_, i) => `failover-${i}`);
    await inParallel(tasks, 16, async (i) => {
      await fleet.api.expect('POST', '/api/v1/tasks', noopTask(names[i]!, '* * * * * *'), 201);
    });
    const from = Date.now() + 2000;
    await sleep(from - Date.now() + warmup * 1000);
    const leaderIndex = await leader(fleet.servers.map((server) => server.api));
    if (leaderIndex === null) throw new Error('no leader among the servers');
    const survivor = fleet.servers[1 - leaderIndex]!;
    const killedAt = Date.now();
    log(`killing the leader (server ${leaderIndex}) with SIGKILL`);
    await fleet.servers[leaderIndex]!.child.kill('SIGKILL');
    let leaderAfterMs: number | null = null;
    while (Date.now() < killedAt + seconds * 1000) {
      if (leaderAfterMs === null && (await leader([survivor.api])) === 0) leaderAfterMs = Date.now() - killedAt;
      await sleep(leaderAfterMs === null ? 100 : 1000);
    }
    await sleep(4000);
    const instants = instantsBetween(from, killedAt + seconds * 1000, 1000);
    const score = scoreFires(fleet.starts, names, instants);
    // Per instant after the kill: were all its fires there, and on time?
    const byInstant = new Map<number, number[]>();
    for (const start of fleet.starts) {
      if (start.scheduled < killedAt - 1000) continue;
      const list = byInstant.get(start.scheduled) ?? [];
      list.push(start.started - start.scheduled);
      byInstant.set(start.scheduled, list);
    }
    const after = instants.filter((instant) => instant > killedAt - 1000);
    const onTime = (instant: number) => {
      const list = byInstant.get(instant) ?? [];
      return list.length >= tasks && Math.max(...list) <= onTimeMs;
    };
    let firstGood: number | null = null;
    for (let i = after.length - 1; i >= 0 && onTime(after[i]!); i--) firstGood = after[i]!;
    const recoverySeconds = firstGood === null ? null : Math.max(0, Math.round((firstGood - killedAt) / 100) / 10);
    const lateAfterKill = after.flatMap((instant) => byInstant.get(instant) ?? []);
    const result = {
      workload: 'failover',
      database: dialect,
      tasks,
      lease_ttl_seconds: leaseTtl,
      killed: `server ${leaderIndex} (leader)`,
      new_leader_after_s: leaderAfterMs === null ? null : Math.round(leaderAfterMs / 100) / 10,
      seconds_until_fires_on_time: recoverySeconds,
      on_time_means_ms: onTimeMs,
      fires: { expected: score.expected, lost: score.missed, doubled: score.doubled },
      lateness_after_kill_ms: distribution(lateAfterKill),
      lateness_whole_window_ms: score.lateness_ms,
    };
    log(`failover: on time again after ${recoverySeconds} s; lost ${score.missed}, doubled ${score.doubled}`);
    return result;
  } finally {
    await fleet.stop();
  }
}

/** Index of the server that says it leads, or null. */
async function leader(apis: Array<{ request(method: string, path: string): Promise<{ status: number; body: any }> }>): Promise<number | null> {
  for (let i = 0; i < apis.length; i++) {
    try {
      const reply = await apis[i]!.request('GET', '/healthz');
      if (reply.body?.leader === true) return i;
    } catch {}
  }
  return null;
}
