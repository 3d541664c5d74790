// Prints the figures of saved results (JSON from `npm run bench -- …`, e.g. in
// bench/results/) as the Markdown table of the README's Benchmarks section.
//   node bench/summary.ts bench/results/*.json
import { readFileSync } from 'node:fs';

process.stdout.on('error', () => process.exit(0)); // piped into head
type Json = Record<string, any>;
const rows: string[][] = [];
const add = (...cells: Array<string | number | null | undefined>) => rows.push(cells.map((cell) => (cell === null || cell === undefined ? '–' : String(cell))));
const ms = (d: Json | undefined) => (d ? `${d.p50} / ${d.p99} / ${d.max} ms` : null);
const rate = (value: number | null | undefined) => (value === null || value === undefined ? null : `${Math.round(value).toLocaleString('en-US')}/s`);
let machine: Json | null = null;

for (const file of process.argv.slice(2)) {
  const result = JSON.parse(readFileSync(file, 'utf8')) as Json;
  machine ??= result.machine;
  const db = result.database as string;
  if (result.workload === 'fire-accuracy') {
    for (const system of ['cronfleet', 'bullmq']) {
      const where = system === 'bullmq' ? 'Redis' : db;
      const second = result[system]?.every_second;
      const minute = result[system]?.every_minute;
      if (second)
        add(
          'fire lateness p50 / p99 / max',
          `${system}, ${where}, ${Number(result.tasks_every_second).toLocaleString('en-US')} tasks every second, ${result.seconds} s`,
          ms(second.lateness_ms),
          `missed ${second.missed}, doubled ${second.doubled}`,
        );
      if (minute)
        add(
          'fire lateness p50 / p99 / max',
          `${system}, ${where}, ${Number(result.tasks_every_minute).toLocaleString('en-US')} tasks every minute`,
          ms(minute.lateness_ms),
          `missed ${minute.missed}, doubled ${minute.doubled}`,
        );
    }
  } else if (result.workload === 'throughput') {
    for (const [key, system, where] of [
      ['cronfleet', 'cronfleet', db],
      ['bullmq', 'bullmq', 'Redis'],
      ['pg_boss', 'pg-boss', 'postgres'],
    ] as const) {
      const figures = result[key];
      if (!figures) continue;
      add('executions/s (burst)', `${system}, ${where}, ${result.executions.toLocaleString('en-US')} runs, 2 workers`, rate(figures.burst?.executions_per_second), `doubled ${figures.burst?.doubled ?? '–'}`);
      for (const fixed of figures.fixed_rates ?? []) {
        add(`trigger → start p50 / p99 / max at ${fixed.offered_per_second.toLocaleString('en-US')}/s`, `${system}, ${where}`, ms(fixed.trigger_to_start_ms), `sent ${rate(fixed.achieved_offered_per_second)}`);
      }
    }
    if (result.raw_database) add('raw insert + claim + complete', db, rate(result.raw_database.jobs_per_second), '');
  } else if (result.workload === 'failover') {
    add(
      'failover: fires on time again after',
      `${db}, ${result.tasks} tasks every second, lease TTL ${result.lease_ttl_seconds} s`,
      `${result.seconds_until_fires_on_time} s`,
      `new leader after ${result.new_leader_after_s} s; lost ${result.fires.lost}, doubled ${result.fires.doubled}`,
    );
  } else if (result.workload === 'footprint') {
    for (const [key, value] of Object.entries(result.server_idle as Json)) {
      if (key.startsWith('tasks_'))
        add(
          'server idle RSS / CPU',
          `${db}, ${Number(key.slice(6)).toLocaleString('en-US')} tasks`,
          `${value.rss_mb} MB / ${value.cpu_percent} %`,
          value.heap_used_mb !== undefined ? `V8 heap used ${value.heap_used_mb} MB of ${value.heap_total_mb} MB` : '',
        );
      else add('task creation over the API', `${db}, ${key.replace('creation_', '').replace('_to_', ' → ')} tasks`, rate(value.tasks_per_second), `${(value.ms / 1000).toFixed(1)} s, 16 requests in flight`);
    }
    if (result.agent_cli_idle) add('agent idle RSS / CPU', '`cronfleet executor`', `${result.agent_cli_idle.rss_mb} MB / ${result.agent_cli_idle.cpu_percent} %`, '');
    if (result.agent_sdk_idle) add('agent idle RSS / CPU', 'SDK executor (one handler)', `${result.agent_sdk_idle.rss_mb} MB / ${result.agent_sdk_idle.cpu_percent} %`, '');
    const simulated = result.simulated_executors;
    if (simulated)
      add(
        `server with ${simulated.welcomed} executors connected`,
        `${db}, heartbeat every 5 s`,
        `${simulated.server_connected.rss_mb} MB / ${simulated.server_connected.cpu_percent} %`,
        `${simulated.server_before.rss_mb} MB before; connected in ${(simulated.connect_ms / 1000).toFixed(1)} s`,
      );
  }
}

process.stdout.write('| figure | setup | result | notes |\n|---|---|---|---|\n');
for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
if (machine) process.stdout.write(`\nMachine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gb} GB, ${machine.platform}, Node ${machine.node}.\n`);
