// Backfill of a task (issue 19): one execution per scheduled instant of a past range, with
// trigger `backfill`, skipping instants already in the fire ledger. Each new execution
// carries its instant as its fire_time, so the ledger's unique key (task_id, fire_time)
// makes a repeated or racing backfill, and a late schedule fire, add nothing twice.
import { BACKFILL_DEFAULT_MAX_RUNS, backfillInstants } from '../domain/backfill.ts';
import type { Clock } from '../domain/clock.ts';
import { newExecution } from '../domain/execution.ts';
import { newId } from '../domain/ids.ts';
import { EARLIEST_INSTANT, parseSchedule, type Schedule } from '../domain/schedule.ts';
import type { Task } from '../domain/task.ts';
import { CronfleetError } from '../protocol/errors.ts';
import { text, type LocalizedText } from '../protocol/messages/index.ts';
import type { BackfillBody } from '../protocol/workflow-schemas.ts';
import type { Store } from '../store/store.ts';
import { iso } from './dto.ts';
import { instantInput } from './input-guard.ts';

export interface BackfillDeps {
  store: Store;
  clock: Clock;
  /** New pending work: the dispatcher looks. */
  workAdded(): void;
}

/** A backfill request read: the instants it covers, oldest first. */
export interface BackfillPlan {
  from: number;
  to: number;
  maxRuns: number;
  instants: number[];
  truncated: boolean;
}

/** The instants a request covers; `noSchedule` is the message when there is no schedule to read them from. */
export function planBackfill(body: BackfillBody, schedule: Schedule | null, now: number, noSchedule: LocalizedText): BackfillPlan {
  const from = instantInput(body.from, 'body', 'from', EARLIEST_INSTANT)!;
  const to = instantInput(body.to, 'body', 'to', EARLIEST_INSTANT)!;
  if (to < from) throw new CronfleetError('invalid_request', text('backfill.range'), { location: 'body', field: 'to' });
  if (schedule === null) throw new CronfleetError('invalid_request', noSchedule, { field: 'cron_expression' });
  const maxRuns = body.max_runs ?? BACKFILL_DEFAULT_MAX_RUNS;
  // Instants after now are not backfilled: the schedule fires them when they come.
  const { instants, truncated } = backfillInstants(schedule, { from, to: Math.min(to, now), maxRuns });
  return { from, to, maxRuns, instants, truncated };
}

export async function backfillTask(deps: BackfillDeps, task: Task, body: BackfillBody, dryRun: boolean) {
  const now = deps.clock.now();
  const schedule = task.cronExpression === null ? null : parseSchedule(task.cronExpression, task.timezone, task.cronDialect);
  const plan = planBackfill(body, schedule, now, text('backfill.noSchedule'));
  const before = await deps.store.fireLedger.taskFires(task.id, plan.instants);
  let ledger = before;
  let isNew = (instant: number) => !before.has(instant);
  if (!dryRun) {
    const fresh = plan.instants.filter((instant) => !before.has(instant));
    const executions = fresh.map((instant) => newExecution({ id: newId(now), taskId: task.id, taskVersion: task.version, trigger: 'backfill', scheduledTime: instant, fireTime: instant, parameters: task.parameters }));
    const inserted = await deps.store.executions.insert(executions, now);
    if (inserted.size > 0) deps.workAdded();
    // Read again: an instant a racing fire or backfill took meanwhile shows its execution, as not new.
    ledger = fresh.length === 0 ? before : await deps.store.fireLedger.taskFires(task.id, plan.instants);
    isNew = (instant) => inserted.has(ledger.get(instant) ?? '');
  }
  const instants = plan.instants.map((instant) => ({ scheduled_time: iso(instant), new: isNew(instant), execution_id: ledger.get(instant) ?? null }));
  const created = instants.filter((instant) => instant.new).length;
  return { task_id: task.id, dry_run: dryRun, from: iso(plan.from), to: iso(plan.to), max_runs: plan.maxRuns, instants, created, existing: instants.length - created, truncated: plan.truncated };
}
