// Overlap: what a task's execution mode decides when a new run of it meets one still
// active (pending or running). The one place these rules live; the fire loop, the
// scheduler and the dispatcher apply them.
//
//   parallel    run it: runs of one task overlap freely.
//   sequential  seed 001 §4.3.2: while a run of the task is running or pending, a fire
//               is recorded as skipped (reason overlap). Decided at the fire's instant.
//   skip        the same rule, under the name seed 001 §4.3.3 gives it.
//   queue       one at a time, in order: a fire waits for its turn (decided at dispatch),
//               and at most max_queued fires wait; when a new fire would exceed that,
//               the oldest waiting fires are recorded as skipped (reason overlap), so
//               the newest wait. Decided at the fire's instant.
//   replace     the fire runs, and the task's active runs are killed. Decided at the
//               fire's instant.
//
// A manual trigger bypasses the mode: it is never skipped, queued or made to replace;
// and a running manual run does not hold a queue task's turn. (It is still an active
// run: a sequential or skip task's fire meeting it is skipped, a replace task's fire
// kills it.)
import { text } from '../protocol/messages/index.ts';
import type { ExecutionStatus, ExecutionTrigger } from './execution.ts';
import type { ExecutionMode } from './task.ts';

export interface ActiveRun {
  id: string;
  taskId: string;
  status: ExecutionStatus;
  trigger: ExecutionTrigger;
}

/** The reason recorded on a fire the execution mode skipped. */
export const OVERLAP_SKIPPED_REASON = 'overlap';
/** The reason a queue task's run waits with. */
export const QUEUE_WAITING_REASON = text('run.waitingForQueue');
/** How replace stops the runs it replaces: killed at once, not asked to stop. */
export const REPLACED_RUN_STOP = 'kill' as const;
/** What a run replace stopped ends with: reason code and error (not a person's "stopped on request"). */
export const REPLACED_RUN_REASON = { reason: 'replaced', error: text('run.replaced') } as const;

/**
 * Every mode but parallel decides on what is active at the fire's instant, so its fires
 * are planned at the instant, never recorded ahead of it.
 */
export function decidedAtInstant(mode: ExecutionMode): boolean {
  return mode !== 'parallel';
}

export interface FireDecision {
  /** Instants to record as pending runs. */
  run: number[];
  /** Instants to record as skipped (OVERLAP_SKIPPED_REASON). */
  skipped: number[];
  /** Active runs to stop (REPLACED_RUN_STOP). */
  replaced: string[];
  /** Waiting runs (queue) to record as skipped: the queue is full. */
  dropped: string[];
}

/** Fires that queue for their turn and may be dropped from it: not retries, not manual runs. */
function isQueuedFire(run: Pick<ActiveRun, 'trigger'>): boolean {
  return run.trigger === 'schedule' || run.trigger === 'backfill' || run.trigger === 'dependency';
}

/**
 * The due fires of one task (in order), given its runs active now (oldest first). Under
 * sequential and skip, the first fire runs when nothing is active and every later one
 * meets it; under queue, at most `maxQueued` fires wait behind the one whose turn it is;
 * under replace, the active runs are replaced once any fire runs.
 */
export function decideFires(mode: ExecutionMode, instants: readonly number[], active: readonly Pick<ActiveRun, 'id' | 'status' | 'trigger'>[], maxQueued = 1): FireDecision {
  const none: FireDecision = { run: [], skipped: [], replaced: [], dropped: [] };
  if (mode === 'sequential' || mode === 'skip') {
    const [first, ...rest] = instants;
    if (first === undefined) return none;
    return active.length > 0 ? { ...none, skipped: [...instants] } : { ...none, run: [first], skipped: rest };
  }
  if (mode === 'queue') return decideQueue(instants, active, maxQueued);
  const replaced = mode === 'replace' && instants.length > 0 ? active.map((run) => run.id) : [];
  return { ...none, run: [...instants], replaced };
}

/** One place in a queue task's line: a run already waiting, or a fire due now. */
type Place = { runId: string; instant?: undefined; droppable: boolean } | { runId?: undefined; instant: number; droppable: true };

function decideQueue(instants: readonly number[], active: readonly Pick<ActiveRun, 'id' | 'status' | 'trigger'>[], maxQueued: number): FireDecision {
  const taking = active.filter((run) => run.trigger !== 'manual');
  const line: Place[] = [...taking.filter((run) => run.status === 'pending').map((run): Place => ({ runId: run.id, droppable: isQueuedFire(run) })), ...instants.map((instant): Place => ({ instant, droppable: true }))];
  // The turn is held by a running run, else by the first in line, which is then not waiting.
  const waiting = taking.some(holdsTurn) ? line : line.slice(1);
  const dropped = waiting.filter((place) => place.droppable).slice(0, Math.max(0, waiting.length - maxQueued));
  const droppedInstants = new Set(dropped.flatMap((place) => (place.instant === undefined ? [] : [place.instant])));
  return {
    run: instants.filter((instant) => !droppedInstants.has(instant)),
    skipped: [...droppedInstants],
    replaced: [],
    dropped: dropped.flatMap((place) => (place.runId === undefined ? [] : [place.runId])),
  };
}

/** Whether a run takes its turn in its task's queue: a queue task's, unless triggered by hand. */
export function waitsForTurn(mode: ExecutionMode, trigger: ExecutionTrigger): boolean {
  return mode === 'queue' && trigger !== 'manual';
}

/** Whether an active run holds its task's queue: running, and not a manual run. */
export function holdsTurn(run: Pick<ActiveRun, 'status' | 'trigger'>): boolean {
  return run.status === 'running' && run.trigger !== 'manual';
}

/**
 * One dispatch pass's view of the queue tasks' turns, taken in the order pending runs
 * are examined (oldest first). A run waits when its task's turn is held (a run is
 * running, or one was routed earlier in this pass) or an earlier run of its task waits.
 */
export class TaskTurns {
  readonly #held: Set<string>;
  readonly #blocked = new Set<string>();

  /** `active`: the active runs of the pass's queue tasks. */
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
