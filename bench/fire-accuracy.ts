// fire-accuracy: how late, after its scheduled instant, each fire's handler starts;
// and whether any fire in the measured window was missed or doubled.
// Two shapes, each on a fresh server: `--tasks` (1,000) tasks firing every second for
// `--seconds` (60), then `--minute-tasks` (10,000) tasks firing at second 0 of every
// minute for `--minutes` (1) minute boundaries. The same with BullMQ job schedulers on
// Redis unless `--peers none`.
import { fireLatenessBuckets, noopTask, recordedLateness, startFleet, type HandlerStart } from './cronfleet.ts';
import { distribution, inParallel, loadPeer, log, sleep, type Distribution, type Flags } from './support.ts';

export interface FireScore {
  expected: number;
  observed: number;
  missed: number;
  doubled: number;
  lateness_ms: Distribution;
}

/**
 * Scores the fires of `tasks` at each instant of `instants`: every (task, instant)
 * must start exactly once. Lateness is handler start minus scheduled instant.
 */
export function scoreFires(starts: Array<Pick<HandlerStart, 'task' | 'scheduled' | 'started'>>, tasks: string[], instants: number[]): FireScore {
  const wanted = new Set(tasks);
  const inWindow = new Set(instants);
  const seen = new Map<string, number>();
  const lateness: number[] = [];
  for (const start of starts) {
    if (!wanted.has(start.task) || !inWindow.has(start.scheduled)) continue;
    const key = `${start.task}@${start.scheduled}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    lateness.push(start.started - start.scheduled);
  }
  let doubled = 0;
  for (const count of seen.values()) doubled += count - 1;
  const expected = tasks.length * instants.length;
  return { expected, observed: seen.size, missed: expected - seen.size, doubled, lateness_ms: distribution(lateness) };
}

/** Whole seconds (or minutes) from `from` (inclusive) to `to` (exclusive), at most `limit`. */
export function instantsBetween(from: number, to: number, stepMs: number, limit = Infinity): number[] {
  const instants: number[] = [];
  for (let t = Math.ceil(from / stepMs) * stepMs; t < to && instants.length < limit; t += stepMs) instants.push(t);
  return instants;
}

export async function fireAccuracy(flags: Flags): Promise<Record<string, unknown>> {
  const dialect = flags.dialect();
  const tasks = flags.number('tasks', 1000);
  const seconds = flags.number('seconds', 60);
  const minuteTasks = flags.number('minute-tasks', 10_000);
  const minutes = flags.number('minutes', 1);
  const peers = flags.list('peers', ['bullmq']);
  const result: Record<string, unknown> = { workload: 'fire-accuracy', database: dialect, tasks_every_second: tasks, seconds, tasks_every_minute: minuteTasks, minute_boundaries: minutes };

  result.cronfleet = {
    every_second: tasks > 0 && seconds > 0 ? await cronfleetEverySecond(flags, tasks, seconds) : null,
    every_minute: minuteTasks > 0 && minutes > 0 ? await cronfleetEveryMinute(flags, minuteTasks, minutes) : null,
  };
  if (peers.includes('bullmq')) {
    const { bullmqFireAccuracy } = (await loadPeer('bullmq')) as { bullmqFireAccuracy: (options: { tasks: number; pattern: string; stepMs: number; count: number }) => Promise<Record<string, unknown>> };
    result.bullmq = {
      every_second: tasks > 0 && seconds > 0 ? await bullmqFireAccuracy({ tasks, pattern: '* * * * * *', stepMs: 1000, count: seconds }) : null,
      every_minute: minuteTasks > 0 && minutes > 0 ? await bullmqFireAccuracy({ tasks: minuteTasks, pattern: '0 * * * * *', stepMs: 60_000, count: minutes }) : null,
    };
  }
  return result;
}

async function createTasks(fleet: Awaited<ReturnType<typeof startFleet>>, names: string[], cron: string): Promise<number> {
  const started = performance.now();
  await inParallel(
    names.length,
    16,
    async (i) => {
      await fleet.api.expect('POST', '/api/v1/tasks', noopTask(names[i]!, cron), 201);
    },
    (done) => log(`created ${done} tasks`),
  );
  return Math.round(performance.now() - started);
}

async function cronfleetEverySecond(flags: Flags, count: number, seconds: number): Promise<Record<string, unknown>> {
  const fleet = await startFleet({ dialect: flags.dialect(), label: 'fire-s', serverNodeFlags: profileFlags(flags, 'fire-s'), agentNodeFlags: profileFlags(flags, 'fire-s-agent') });
  try {
    const names = Array.from({ length: count }, (_, i) => `every-second-${i}`);
    const creationMs = await createTasks(fleet, names, '* * * * * *');
    // A few seconds of warm-up after the last task exists, then the measured window.
    const from = Date.now() + 3000;
    const instants = instantsBetween(from, from + seconds * 1000, 1000);
    log(`cronfleet: ${count} tasks every second; measuring ${instants.length} s`);
    await sleep(instants[0]! - 500 - Date.now());
    const before = await fireLatenessBuckets(fleet.api);
    await sleep(instants.at(-1)! + 500 - Date.now());
    const after = await fireLatenessBuckets(fleet.api);
    await sleep(3500);
    const score = scoreFires(fleet.starts, names, instants);
    log(`cronfleet every second: p50 ${score.lateness_ms.p50} ms, p99 ${score.lateness_ms.p99} ms, missed ${score.missed}, doubled ${score.doubled}`);
    return { fires_per_second: count, task_creation_ms: creationMs, ...score, server_recorded: recordedLateness(before, after) };
  } finally {
    await fleet.stop();
  }
}

async function cronfleetEveryMinute(flags: Flags, count: number, minutes: number): Promise<Record<string, unknown>> {
  const fleet = await startFleet({ dialect: flags.dialect(), label: 'fire-m', serverNodeFlags: profileFlags(flags, 'fire-m') });
  try {
    const names = Array.from({ length: count }, (_, i) => `every-minute-${i}`);
    const creationMs = await createTasks(fleet, names, '0 * * * * *');
    // The first boundary at least 3 s away, so every task was armed for it.
    const instants = instantsBetween(Date.now() + 3000, Infinity, 60_000, minutes);
    log(`cronfleet: ${count} tasks every minute; measuring ${minutes} boundary(ies), the first in ${Math.round((instants[0]! - Date.now()) / 1000)} s`);
    await sleep(instants[0]! - 1000 - Date.now());
    const before = await fireLatenessBuckets(fleet.api);
    await waitForStarts(fleet.starts, count * minutes, instants, instants.at(-1)! + 30_000);
    const after = await fireLatenessBuckets(fleet.api);
    const score = scoreFires(fleet.starts, names, instants);
    log(`cronfleet every minute: p50 ${score.lateness_ms.p50} ms, p99 ${score.lateness_ms.p99} ms, missed ${score.missed}, doubled ${score.doubled}`);
    return { fires_per_boundary: count, task_creation_ms: creationMs, ...score, server_recorded: recordedLateness(before, after) };
  } finally {
    await fleet.stop();
  }
}

/** Waits until `expected` starts of these instants arrived (plus a moment for doubles), or the deadline. */
export async function waitForStarts(starts: HandlerStart[], expected: number, instants: number[], deadline: number): Promise<void> {
  const wanted = new Set(instants);
  let seen = 0;
  let index = 0;
  while (Date.now() < deadline) {
    for (; index < starts.length; index++) if (wanted.has(starts[index]!.scheduled)) seen += 1;
    if (seen >= expected && Date.now() > instants.at(-1)!) break;
    await sleep(250);
  }
  await sleep(2000);
}

/** Node flags for a server: `--cpu-prof DIR` (V8 profile), `--sql-timing DIR` (bench/sql-timing.ts). */
export function profileFlags(flags: Flags, label: string): string[] {
  const profile = flags.string('cpu-prof', '');
  const timing = flags.string('sql-timing', '');
  if (timing !== '') process.env.BENCH_SQL_TIMING_DIR = timing; // inherited by the servers
  return [
    ...(profile === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`, `--cpu-prof-name=${label}-${process.pid}.cpuprofile`]),
    ...(timing === '' ? [] : ['--import', new URL('./sql-timing.ts', import.meta.url).href]),
  ];
}
