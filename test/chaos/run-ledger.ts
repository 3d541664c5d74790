// What actually happened in a chaos run, from two independent sources: the marker file
// the tasks' own processes append to (a line per run that completed: the side effect a
// user would see twice), and the executions table read directly from the database (not
// through the servers under test, which may be the ones that are wrong).
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';

/** One line of the marker file: `<task name> <scheduled_time> <execution_id> <attempt>`. */
export interface MarkerLine {
  task: string;
  scheduledTime: string;
  executionId: string;
  attempt: number;
}

export interface ExecutionRow {
  id: string;
  task: string;
  scheduledTime: string;
  trigger: string;
  status: string;
  reason: string | null;
  error: string | null;
  attempt: number;
  executor: string | null;
  startTime: string | null;
  endTime: string | null;
}

/** The shell a marker task runs: a short piece of work, then one appended line (atomic: O_APPEND, < PIPE_BUF). */
export function markerScript(options: { failFirstAttemptSometimes: boolean }): string {
  const line = `printf '%s %s %s %s\\n' "$CRONFLEET_TASK_NAME" "$CRONFLEET_SCHEDULED_TIME" "$CRONFLEET_EXECUTION_ID" "$CRONFLEET_ATTEMPT" >> "$FAULT_MARKER"`;
  // About a third of first attempts fail, so that retries are scheduled and run under the faults too.
  const fail = options.failFirstAttemptSometimes ? `if [ "$CRONFLEET_ATTEMPT" = 1 ] && [ $(( $(date +%s) % 3 )) = 0 ]; then exit 1; fi; ` : '';
  return `sleep 0.3; ${fail}${line}`;
}

export function readMarker(path: string): MarkerLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const [task = '', scheduledTime = '', executionId = '', attempt = ''] = line.split(' ');
      return { task, scheduledTime: new Date(scheduledTime).toISOString(), executionId, attempt: Number(attempt) };
    });
}

/** Every execution with its task's and executor's names, straight from the database. */
export async function readExecutions(databaseUrl: string): Promise<ExecutionRow[]> {
  const mysql = databaseUrl.startsWith('mysql:');
  const q = (name: string) => (mysql ? `\`${name}\`` : `"${name}"`);
  const sql =
    `select e.id, t.name as task, e.scheduled_time, e.${q('trigger')} as trigger_kind, e.status, e.reason, e.error, e.attempt, ` +
    `x.name as executor, e.start_time, e.end_time ` +
    `from executions e join tasks t on t.id = e.task_id left join executors x on x.id = e.executor_id ` +
    `order by e.scheduled_time, e.attempt`;
  let rows: Array<Record<string, unknown>>;
  if (mysql) {
    const connection = await createConnection(databaseUrl);
    try {
      rows = (await connection.query(sql))[0] as Array<Record<string, unknown>>;
    } finally {
      await connection.end();
    }
  } else {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      rows = (await client.query(sql)).rows as Array<Record<string, unknown>>;
    } finally {
      await client.end();
    }
  }
  const time = (value: unknown) => (value === null || value === undefined ? null : new Date(Number(value)).toISOString());
  return rows.map((row) => ({
    id: String(row.id),
    task: String(row.task),
    scheduledTime: time(row.scheduled_time)!,
    trigger: String(row.trigger_kind),
    status: String(row.status),
    reason: (row.reason as string | null) ?? null,
    error: (row.error as string | null) ?? null,
    attempt: Number(row.attempt),
    executor: (row.executor as string | null) ?? null,
    startTime: time(row.start_time),
    endTime: time(row.end_time),
  }));
}

/** Groups of items sharing a (task, scheduled time) instant, keeping the groups with more than one. */
export function repeatedInstants<T extends { task: string; scheduledTime: string }>(items: T[]): T[][] {
  const byInstant = new Map<string, T[]>();
  for (const item of items) {
    const key = `${item.task} ${item.scheduledTime}`;
    byInstant.set(key, [...(byInstant.get(key) ?? []), item]);
  }
  return [...byInstant.values()].filter((group) => group.length > 1);
}

/** A few lines for the test output: how the runs ended and why, and where the two sources disagree. */
export function summarize(rows: ExecutionRow[], marker: MarkerLine[]): string {
  const count = (keys: string[]) => {
    const counts = new Map<string, number>();
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]).map(([key, n]) => `    ${n} ${key}`);
  };
  const byId = new Map(rows.map((row) => [row.id, row]));
  const completed = new Set(marker.map((line) => line.executionId));
  // A run whose process completed but which the database records otherwise: its result was lost.
  const recordedOtherwise = marker.filter((line) => byId.get(line.executionId)?.status !== 'success');
  const successWithoutSideEffect = rows.filter((row) => row.status === 'success' && !completed.has(row.id));
  return [
    `  ${rows.length} executions, ${marker.length} completed runs in the marker file`,
    '  by status and trigger:',
    ...count(rows.map((row) => `${row.status} (${row.trigger})`)),
    '  reasons and errors of the runs that did not succeed:',
    ...count(rows.filter((row) => row.status !== 'success').map((row) => `${row.status}: ${row.reason ?? '-'} / ${(row.error ?? '-').slice(0, 100)}`)).slice(0, 15),
    `  completed runs the database records as something else: ${recordedOtherwise.length}`,
    ...count(recordedOtherwise.map((line) => byId.get(line.executionId)?.status ?? 'no such execution')),
    `  successes in the database without a marker line: ${successWithoutSideEffect.length}`,
  ].join('\n');
}

/** Rows as one JSON object per line, for assertion messages (at most `limit`). */
export function show(items: unknown[], limit = 30): string {
  const lines = items.slice(0, limit).map((item) => JSON.stringify(item));
  if (items.length > limit) lines.push(`… and ${items.length - limit} more`);
  return lines.join('\n');
}
