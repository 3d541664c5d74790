// Preloaded into a server (`--import ./bench/sql-timing.ts`, the `--sql-timing FILE`
// flag of the workloads) to see which SQLite statements take the time: wraps
// node:sqlite's StatementSync methods, and writes per-statement calls and total ms to
// $BENCH_SQL_TIMING_DIR/sql-<pid>.txt when the process exits. SQLite only (it runs in-process).
import { writeFileSync } from 'node:fs';
import { StatementSync } from 'node:sqlite';

const stats = new Map<string, { calls: number; ms: number; rows: number }>();
const prototype = StatementSync.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
for (const method of ['run', 'all', 'get', 'columns'] as const) {
  const original = prototype[method]!;
  prototype[method] = function (this: StatementSync, ...args: unknown[]) {
    const started = performance.now();
    const result = original.apply(this, args);
    const key = `${method} ${this.sourceSQL.replace(/\s+/g, ' ').slice(0, 160)}`;
    const entry = stats.get(key) ?? { calls: 0, ms: 0, rows: 0 };
    entry.calls += 1;
    entry.ms += performance.now() - started;
    if (Array.isArray(result)) entry.rows += result.length;
    stats.set(key, entry);
    return result;
  };
}
process.on('exit', () => {
  const directory = process.env.BENCH_SQL_TIMING_DIR;
  if (!directory) return;
  const file = `${directory}/sql-${process.pid}.txt`;
  const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms).map(([sql, entry]) => `${entry.ms.toFixed(0).padStart(7)} ms ${String(entry.calls).padStart(7)} calls ${String(entry.rows).padStart(8)} rows  ${sql}`);
  writeFileSync(file, `${rows.join('\n')}\n`);
});
