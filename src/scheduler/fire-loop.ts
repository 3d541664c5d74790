// The fire loop (leader only). A timer is armed for the earliest next_fire_at; when it
// rings, every due task's fires are planned (misfire policy, execution mode) and
// recorded in one fenced transaction, then handed straight to dispatch.
//
// Fires are recorded up to `leadMs` before their instant, as pending executions that
// may not run before it (run_at = the instant): recording many fires takes time (one
// instant of 1,000 tasks took 100–500 ms on a busy 2-core machine), and this way that
// time is spent before the instant, not after it; at the instant the dispatcher only
// claims and sends. Tasks of every other execution mode than `parallel` are still
// planned at their instant, since their decision depends on what is active then.
import type { Clock } from '../domain/clock.ts';
import { PassLoop } from '../domain/pass-loop.ts';
import { newExecution, type NewExecution } from '../domain/execution.ts';
import { MISFIRE_SKIPPED_REASON, planFires } from '../domain/misfire.ts';
import { decidedAtInstant, decideFires, OVERLAP_SKIPPED_REASON, type ActiveRun } from '../domain/overlap.ts';
import { parseSchedule, type Schedule } from '../domain/schedule.ts';
import type { Task } from '../domain/task.ts';
import type { Fence, FireBatchEntry, Store } from '../store/store.ts';

export interface FireLoopOptions {
  /** The loop looks again at least this often (tasks changed by other instances). */
  maxSleepMs: number;
  /** Due tasks handled per transaction. */
  batchSize: number;
  runAllCap: number;
  maxDuePerTask: number;
  /** Fires are recorded this long before their instant (0: at the instant). */
  leadMs?: number;
}

/** While some tasks wait for their instant inside the lead window, look again at least this often. */
const DEFERRED_RECHECK_MS = 50;

export interface FiredTask {
  taskId: string;
  /** Executions created as pending. */
  pending: string[];
  /** Fires recorded as skipped (misfire or overlap), including waiting ones a full queue dropped. */
  skipped: string[];
  /** Running executions that `replace` asked to stop. */
  replaced: string[];
  /** For each pending fire: how late it was recorded, in ms after its instant. */
  latenessMs: number[];
}

export interface FireLoopHooks {
  fence(): Fence | null;
  /** `tasks`: the fired tasks as read for this fire (dispatch can use them instead of reading them again). */
  onFired(fired: FiredTask[], tasks: Task[]): Promise<void>;
  onError(error: unknown): void;
}

export class FireLoop {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #options: FireLoopOptions;
  readonly #hooks: FireLoopHooks;
  readonly #loop: PassLoop;
  /** The earliest instant of a task left for later by the last pass, if any. */
  #deferredUntil: number | null = null;

  constructor(store: Store, clock: Clock, options: FireLoopOptions, hooks: FireLoopHooks) {
    this.#store = store;
    this.#clock = clock;
    this.#options = options;
    this.#hooks = hooks;
    this.#loop = new PassLoop({
      clock,
      pass: async () => {
        this.#deferredUntil = null;
        while (this.#loop.active && (await this.#fireDue()) === this.#options.batchSize);
      },
      // Armed for the earliest next fire; at most maxSleepMs, to see other instances' changes.
      nextDelay: async () => {
        const earliest = await this.#store.tasks.earliestFireAt();
        const now = this.#clock.now(); // after the query: the delay counts from when the timer is set
        // Tasks planned only at their instant (all but parallel) sit inside the lead window
        // as the earliest; the ones behind them enter the window while we wait.
        if (this.#deferredUntil !== null) return Math.max(0, Math.min(this.#deferredUntil - now, DEFERRED_RECHECK_MS));
        return Math.min(this.#options.maxSleepMs, earliest === null ? Infinity : earliest - this.#leadMs - now);
      },
      onError: (error) => this.#hooks.onError(error),
    });
  }

  get #leadMs(): number {
    return this.#options.leadMs ?? 0;
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Looks at the schedule again now (a task was created, changed or resumed). */
  wake(): void {
    this.#loop.wake();
  }

  settled(): Promise<void> {
    return this.#loop.settled();
  }

  /** Handles one batch of due tasks; returns how many there were. */
  async #fireDue(): Promise<number> {
    const fence = this.#hooks.fence();
    if (!fence) return 0;
    const now = this.#clock.now();
    const horizon = now + this.#leadMs;
    const fetched = await this.#store.tasks.due(horizon, this.#options.batchSize);
    if (fetched.length === 0) return 0;
    const due: Task[] = [];
    for (const task of fetched) {
      const early = task.nextFireAt !== null && task.nextFireAt > now;
      if (early && decidedAtInstant(task.executionMode)) {
        this.#deferredUntil = Math.min(this.#deferredUntil ?? Infinity, task.nextFireAt!);
      } else {
        due.push(task);
      }
    }
    const active = due.length === 0 ? [] : await this.#store.executions.active(due.map((task) => task.id));
    const activeByTask = new Map<string, typeof active>();
    for (const execution of active) activeByTask.set(execution.taskId, [...(activeByTask.get(execution.taskId) ?? []), execution]);
    const entries: FireBatchEntry[] = [];
    const fired: FiredTask[] = [];
    for (const task of due) {
      const activeForTask = activeByTask.get(task.id) ?? [];
      const planned = this.#plan(task, now, horizon, activeForTask);
      if (!planned) continue;
      entries.push(planned.entry);
      fired.push({
        taskId: task.id,
        pending: planned.entry.executions.filter((e) => e.status === 'pending').map((e) => e.id),
        skipped: [...planned.entry.executions.filter((e) => e.status === 'skipped').map((e) => e.id), ...(planned.entry.dropQueued ?? [])],
        replaced: planned.replaced,
        latenessMs: [],
      });
    }
    const inserted = await this.#store.recordFires(fence, entries, now);
    const recordedAt = this.#clock.now();
    const instants = new Map(entries.flatMap((entry) => entry.executions.map((execution) => [execution.id, execution.scheduledTime] as const)));
    const recorded = fired
      .map((task) => {
        const pending = task.pending.filter((id) => inserted.has(id));
        // Recorded ahead of its instant counts as on time (0).
        return { ...task, pending, skipped: task.skipped.filter((id) => inserted.has(id)), latenessMs: pending.map((id) => Math.max(0, recordedAt - instants.get(id)!)) };
      })
      .filter((task) => task.pending.length + task.skipped.length > 0);
    if (recorded.length > 0) {
      const firedIds = new Set(recorded.map((task) => task.taskId));
      await this.#hooks.onFired(
        recorded,
        due.filter((task) => firedIds.has(task.id)),
      );
    }
    // All left for their instant: nothing moved, so fetching again would find the same.
    return due.length === 0 ? 0 : fetched.length;
  }

  /** Plans fires due by `horizon` (now + lead); those still ahead of `now` wait for their instant (run_at). */
  #plan(task: Task, now: number, horizon: number, active: readonly ActiveRun[]): { entry: FireBatchEntry; replaced: string[] } | null {
    if (task.cronExpression === null || task.nextFireAt === null) return null;
    let schedule: Schedule;
    try {
      // Shared with every task on the same expression (parseSchedule keeps the recent ones).
      schedule = parseSchedule(task.cronExpression, task.timezone, task.cronDialect);
    } catch (error) {
      // A stored schedule that no longer parses (written by an older version) would stay
      // due for ever and spin this loop: its cursor is cleared, so it stops firing until
      // an update gives it a valid schedule (the task list shows it as unreadable).
      this.#hooks.onError(error);
      return { entry: { taskId: task.id, expectedNextFireAt: task.nextFireAt, nextFireAt: null, lastFireAt: task.lastFireAt, executions: [] }, replaced: [] };
    }
    const plan = planFires(schedule, task.nextFireAt, horizon, {
      policy: task.misfirePolicy,
      // Lateness is judged from now, not from the horizon.
      graceMs: task.misfireGraceSeconds * 1000 + (horizon - now),
      runAllCap: this.#options.runAllCap,
      maxDue: this.#options.maxDuePerTask,
    });
    const executions: NewExecution[] = [];
    const record = (instant: number, status: 'pending' | 'skipped', reason: string | null) =>
      executions.push(
        newExecution({
          taskId: task.id,
          taskVersion: task.version,
          trigger: 'schedule',
          scheduledTime: instant,
          fireTime: instant,
          parameters: task.parameters,
          status,
          runAt: instant > now ? instant : null,
          reason,
        }),
      );
    for (const instant of plan.skip) record(instant, 'skipped', MISFIRE_SKIPPED_REASON);
    const overlap = decideFires(task.executionMode, plan.run, active, task.maxQueued);
    const skipped = new Set(overlap.skipped);
    for (const instant of plan.run) {
      if (skipped.has(instant)) record(instant, 'skipped', OVERLAP_SKIPPED_REASON);
      else record(instant, 'pending', null);
    }
    const all = [...plan.skip, ...plan.run];
    return {
      entry: {
        taskId: task.id,
        expectedNextFireAt: task.nextFireAt,
        nextFireAt: plan.next,
        lastFireAt: all.length > 0 ? Math.max(...all) : task.nextFireAt,
        executions,
        dropQueued: overlap.dropped,
      },
      replaced: overlap.replaced,
    };
  }
}
