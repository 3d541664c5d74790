// Which of a task's due fires to run and which to record as skipped.
//
// A fire is due when its instant is at or before `now` and after the task's last
// fired instant. A due fire is late (misfired) when more than the grace window has
// passed since its instant — that only happens while no leader ran. On-time fires
// always run; late fires follow the task's policy:
//   skip      record every late fire as skipped
//   run_once  run the most recent late fire once (unless an on-time fire already
//             runs), record the rest as skipped
//   run_all   run the late fires, at most `runAllCap` of the most recent, in order;
//             record the older ones as skipped
import type { Schedule } from './schedule.ts';
import type { MisfirePolicy } from './task.ts';

/** The reason recorded on a fire skipped because no scheduler was running at its instant. */
export const MISFIRE_SKIPPED_REASON = 'misfire';

export interface FirePlan {
  run: number[];
  skip: number[];
  /** The next fire strictly after `now`, or null when the schedule has ended. */
  next: number | null;
  /** True when more fires were due than we enumerate; the oldest were neither run nor recorded. */
  truncated: boolean;
}

export interface MisfireOptions {
  policy: MisfirePolicy;
  graceMs: number;
  runAllCap: number;
  /** Upper bound on due fires enumerated in one pass (bounds work after a long outage). */
  maxDue: number;
}

export function planFires(schedule: Schedule, firstDue: number, now: number, options: MisfireOptions): FirePlan {
  // Walk forward from the first due fire (normally one step). After a long outage, stop
  // at maxDue and walk back from now instead: the work stays bounded however long it was.
  let due: number[] = [];
  let truncated = false;
  let at: number | null = firstDue;
  while (at !== null && at <= now) {
    if (due.length === options.maxDue) {
      due = schedule.previous(now, options.maxDue);
      truncated = true;
      at = schedule.next(now);
      break;
    }
    due.push(at);
    at = schedule.next(at);
  }
  const late = due.filter((instant) => now - instant > options.graceMs);
  const onTime = due.filter((instant) => now - instant <= options.graceMs);
  const plan: FirePlan = { run: [...onTime], skip: [], next: at, truncated };
  if (late.length === 0) return plan;
  switch (options.policy) {
    case 'skip':
      plan.skip = late;
      break;
    case 'run_once':
      if (onTime.length > 0) plan.skip = late;
      else {
        plan.run = [late[late.length - 1]!];
        plan.skip = late.slice(0, -1);
      }
      break;
    case 'run_all': {
      const keep = Math.max(0, late.length - options.runAllCap);
      plan.skip = late.slice(0, keep);
      plan.run = [...late.slice(keep), ...onTime];
      break;
    }
  }
  return plan;
}
