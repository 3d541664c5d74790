// Overlap: what a task's execution mode decides when a new run of it meets one still
// active (pending or running). The one place these rules live; the fire loop, the
// scheduler and the dispatcher apply them.
//
//   parallel    run it: runs of one task overlap freely.
//   sequential  one at a time, in order: the fire is recorded pending and waits (with
//               a reason) until no earlier run of the task runs. Decided at dispatch.
//   skip        an overlapping fire is recorded as skipped. Decided at the fire's instant.
//   replace     the fire runs, and the task's active runs are killed. Decided at the
//               fire's instant.
//
// A manual trigger bypasses the mode: it is never skipped, queued or made to replace;
// and a running manual run does not hold a sequential task's queue. (It is still an
// active run: a skip task's fire meeting it is skipped, a replace task's fire kills it.)
import type { ExecutionStatus, ExecutionTrigger } from './execution.ts';
import type { ExecutionMode } from './task.ts';

export interface ActiveRun {
  id: string;
  taskId: string;
  status: ExecutionStatus;
  trigger: ExecutionTrigger;
}

/** The reason recorded on a fire that skip mode skipped. */
export const OVERLAP_SKIPPED_REASON = 'overlap: the previous execution was still running';
/** The reason a sequential task's run waits with. */
export const SEQUENTIAL_WAITING_REASON = 'waiting for the previous execution of this task (sequential)';
/** How replace stops the runs it replaces: killed at once, not asked to stop. */
export const REPLACED_RUN_STOP = 'kill' as const;

/**
 * skip and replace decide on what is active at the fire's instant, so their fires are
 * planned at the instant, never recorded ahead of it.
 */
export function decidedAtInstant(mode: ExecutionMode): boolean {
  return mode === 'skip' || mode === 'replace';
}

export interface FireDecision {
  /** Instants to record as pending runs. */
  run: number[];
  /** Instants to record as skipped (OVERLAP_SKIPPED_REASON). */
  skipped: number[];
  /** Active runs to stop (REPLACED_RUN_STOP). */
  replaced: string[];
}

/**
 * The due fires of one task (in order), given its runs active now. Under skip, the
 * first fire runs when nothing is active and every later one meets it; under replace,
 * the active runs are replaced once any fire runs.
 */
export function decideFires(mode: ExecutionMode, instants: readonly number[], active: readonly Pick<ActiveRun, 'id'>[]): FireDecision {
  if (mode === 'skip') {
    const [first, ...rest] = instants;
    if (first === undefined) return { run: [], skipped: [], replaced: [] };
    return active.length > 0 ? { run: [], skipped: [...instants], replaced: [] } : { run: [first], skipped: rest, replaced: [] };
  }
  const replaced = mode === 'replace' && instants.length > 0 ? active.map((run) => run.id) : [];
  return { run: [...instants], skipped: [], replaced };
}

/** Whether a run takes its turn in its task's queue: a sequential task's, unless triggered by hand. */
export function waitsForTurn(mode: ExecutionMode, trigger: ExecutionTrigger): boolean {
  return mode === 'sequential' && trigger !== 'manual';
}

/** Whether an active run holds its task's queue: running, and not a manual run. */
export function holdsTurn(run: Pick<ActiveRun, 'status' | 'trigger'>): boolean {
  return run.status === 'running' && run.trigger !== 'manual';
}

/**
 * One dispatch pass's view of the sequential queues, taken in the order pending runs
 * are examined (oldest first). A run waits when its task's turn is held (a run is
 * running, or one was routed earlier in this pass) or an earlier run of its task waits.
 */
export class TaskTurns {
  readonly #held: Set<string>;
  readonly #blocked = new Set<string>();

  /** `active`: the active runs of the pass's sequential tasks. */
  constructor(active: readonly Pick<ActiveRun, 'taskId' | 'status' | 'trigger'>[]) {
    this.#held = new Set(active.filter(holdsTurn).map((run) => run.taskId));
  }

  /** Whether this run must wait for an earlier run of its task; later runs then wait behind it. */
  mustWait(mode: ExecutionMode, run: Pick<ActiveRun, 'taskId' | 'trigger'>): boolean {
    if (!waitsForTurn(mode, run.trigger)) return false;
    if (!this.#held.has(run.taskId) && !this.#blocked.has(run.taskId)) return false;
    this.#blocked.add(run.taskId);
    return true;
  }

  /** This run could not be routed this pass: later runs of its task wait behind it. */
  stayed(mode: ExecutionMode, run: Pick<ActiveRun, 'taskId' | 'trigger'>): void {
    if (waitsForTurn(mode, run.trigger)) this.#blocked.add(run.taskId);
  }

  /** This run was routed: it holds its task's turn. */
  routed(mode: ExecutionMode, run: Pick<ActiveRun, 'taskId' | 'trigger'>): void {
    if (waitsForTurn(mode, run.trigger)) this.#held.add(run.taskId);
  }
}
