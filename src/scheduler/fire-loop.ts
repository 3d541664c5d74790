// The fire loop (leader only). A timer is armed for the earliest next_fire_at; when it
// rings, every due task's fires are planned (misfire policy, execution mode) and
// recorded in one fenced transaction, then handed straight to dispatch.
import type { Clock } from '../domain/clock.ts';
import { PassLoop } from '../domain/pass-loop.ts';
import { newId } from '../domain/ids.ts';
import { planFires } from '../domain/misfire.ts';
import { parseSchedule, type Schedule } from '../domain/schedule.ts';
import type { Task } from '../domain/task.ts';
import type { NewExecution } from '../store/executions.ts';
import type { Fence, FireBatchEntry, Store } from '../store/store.ts';

export interface FireLoopOptions {
  /** The loop looks again at least this often (tasks changed by other instances). */
  maxSleepMs: number;
  /** Due tasks handled per transaction. */
  batchSize: number;
  runAllCap: number;
  maxDuePerTask: number;
}

export interface FiredTask {
  taskId: string;
  /** Executions created as pending. */
  pending: string[];
  /** Fires recorded as skipped (misfire or overlap). */
  skipped: string[];
  /** Running executions that `replace` asked to stop. */
  replaced: string[];
  /** For each pending fire: how late it was recorded, in ms after its instant. */
  latenessMs: number[];
}

export interface FireLoopHooks {
  fence(): Fence | null;
  onFired(fired: FiredTask[]): Promise<void>;
  onError(error: unknown): void;
}

export class FireLoop {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #options: FireLoopOptions;
  readonly #hooks: FireLoopHooks;
  readonly #schedules = new Map<string, Schedule>();
  readonly #loop: PassLoop;

  constructor(store: Store, clock: Clock, options: FireLoopOptions, hooks: FireLoopHooks) {
    this.#store = store;
    this.#clock = clock;
    this.#options = options;
    this.#hooks = hooks;
    this.#loop = new PassLoop({
      clock,
      pass: async () => {
        while (this.#loop.active && (await this.#fireDue()) === this.#options.batchSize);
      },
      // Armed for the earliest next fire; at most maxSleepMs, to see other instances' changes.
      nextDelay: async () => {
        const earliest = await this.#store.tasks.earliestFireAt();
        return Math.min(this.#options.maxSleepMs, earliest === null ? Infinity : earliest - this.#clock.now());
      },
      onError: (error) => this.#hooks.onError(error),
    });
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
    const due = await this.#store.tasks.due(now, this.#options.batchSize);
    if (due.length === 0) return 0;
    const active = await this.#store.executions.active(due.map((task) => task.id));
    const entries: FireBatchEntry[] = [];
    const fired: FiredTask[] = [];
    for (const task of due) {
      const activeForTask = active.filter((execution) => execution.taskId === task.id);
      const planned = this.#plan(task, now, activeForTask.length > 0);
      if (!planned) continue;
      entries.push(planned.entry);
      fired.push({
        taskId: task.id,
        pending: planned.entry.executions.filter((e) => e.status === 'pending').map((e) => e.id),
        skipped: planned.entry.executions.filter((e) => e.status === 'skipped').map((e) => e.id),
        replaced: task.executionMode === 'replace' && planned.runs > 0 ? activeForTask.map((e) => e.id) : [],
        latenessMs: [],
      });
    }
    const inserted = await this.#store.recordFires(fence, entries, now);
    const recordedAt = this.#clock.now();
    const instants = new Map(entries.flatMap((entry) => entry.executions.map((execution) => [execution.id, execution.scheduledTime] as const)));
    const recorded = fired
      .map((task) => {
        const pending = task.pending.filter((id) => inserted.has(id));
        return { ...task, pending, skipped: task.skipped.filter((id) => inserted.has(id)), latenessMs: pending.map((id) => recordedAt - instants.get(id)!) };
      })
      .filter((task) => task.pending.length + task.skipped.length > 0);
    if (recorded.length > 0) await this.#hooks.onFired(recorded);
    return due.length;
  }

  #plan(task: Task, now: number, hasActive: boolean): { entry: FireBatchEntry; runs: number } | null {
    if (task.cronExpression === null || task.nextFireAt === null) return null;
    let schedule: Schedule;
    try {
      schedule = this.#schedule(task);
    } catch (error) {
      this.#hooks.onError(error);
      return null;
    }
    const plan = planFires(schedule, task.nextFireAt, now, {
      policy: task.misfirePolicy,
      graceMs: task.misfireGraceSeconds * 1000,
      runAllCap: this.#options.runAllCap,
      maxDue: this.#options.maxDuePerTask,
    });
    const executions: NewExecution[] = [];
    const record = (instant: number, status: 'pending' | 'skipped', reason: string | null) =>
      executions.push({
        id: newId(),
        taskId: task.id,
        taskVersion: task.version,
        trigger: 'schedule',
        scheduledTime: instant,
        fireTime: instant,
        parameters: task.parameters,
        status,
        attempt: 1,
        retryOf: null,
        runAt: null,
        reason,
      });
    for (const instant of plan.skip) record(instant, 'skipped', 'misfire: no scheduler was running at this time');
    let runs = 0;
    let busy = hasActive;
    for (const instant of plan.run) {
      // skip: an overlapping fire is recorded, not run.
      if (task.executionMode === 'skip' && busy) {
        record(instant, 'skipped', 'overlap: the previous execution was still running');
        continue;
      }
      record(instant, 'pending', null);
      runs += 1;
      busy = true;
    }
    const all = [...plan.skip, ...plan.run];
    return {
      entry: {
        taskId: task.id,
        expectedNextFireAt: task.nextFireAt,
        nextFireAt: plan.next,
        lastFireAt: all.length > 0 ? Math.max(...all) : task.nextFireAt,
        executions,
      },
      runs,
    };
  }

  #schedule(task: Task): Schedule {
    const key = `${task.timezone}\u0000${task.cronExpression}`;
    let schedule = this.#schedules.get(key);
    if (!schedule) {
      schedule = parseSchedule(task.cronExpression!, task.timezone);
      if (this.#schedules.size > 10_000) this.#schedules.clear();
      this.#schedules.set(key, schedule);
    }
    return schedule;
  }
}
