// The workflows' loop (leader only): fires workflow schedules and sweeps running runs.
//
// Fires: a timer armed for the earliest next_fire_at of a workflow; due fires are planned
// with the workflow's misfire policy (domain/misfire.ts, as for tasks) and recorded in one
// fenced transaction that moves each cursor by compare-and-set, and the unique
// (workflow_id, fire_time) keeps each instant to one run even with two leaders for a moment.
// A missed fire the policy skips is recorded as a skipped run. Each new run is then advanced
// (its first steps start).
//
// Sweep: every running run is advanced now and then (and at once on election), so a step
// whose end was heard by an instance that died before advancing its run still moves on.
import type { Clock } from '../domain/clock.ts';
import { newId } from '../domain/ids.ts';
import { planFires } from '../domain/misfire.ts';
import { PassLoop } from '../domain/pass-loop.ts';
import { parseSchedule } from '../domain/schedule.ts';
import { taskDefaults } from '../domain/task.ts';
import type { WorkflowAdvancer } from '../dispatch/workflow-advancer.ts';
import type { Fence, Store } from '../store/store.ts';
import type { NewWorkflowRun, WorkflowFireEntry } from '../store/workflow-runs.ts';
import type { Workflow } from '../store/workflows.ts';

export interface WorkflowLoopOptions {
  /** Looks again at least this often (workflows changed by other instances). */
  maxSleepMs: number;
  /** Running runs are swept at least this often. */
  sweepIntervalMs: number;
  batchSize: number;
}

export interface WorkflowLoopHooks {
  fence(): Fence | null;
  onError(error: unknown): void;
}

export class WorkflowLoop {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #advancer: WorkflowAdvancer;
  readonly #options: WorkflowLoopOptions;
  readonly #hooks: WorkflowLoopHooks;
  readonly #loop: PassLoop;
  #lastSweepAt = -Infinity;

  constructor(store: Store, clock: Clock, advancer: WorkflowAdvancer, options: WorkflowLoopOptions, hooks: WorkflowLoopHooks) {
    this.#store = store;
    this.#clock = clock;
    this.#advancer = advancer;
    this.#options = options;
    this.#hooks = hooks;
    this.#loop = new PassLoop({
      clock,
      pass: async () => {
        while (this.#loop.active && (await this.#fireDue()) === this.#options.batchSize);
        if (this.#clock.now() - this.#lastSweepAt >= this.#options.sweepIntervalMs) {
          this.#lastSweepAt = this.#clock.now();
          await this.#advancer.sweep();
        }
      },
      nextDelay: async () => {
        const earliest = await this.#store.workflows.earliestFireAt();
        const now = this.#clock.now();
        const untilSweep = this.#lastSweepAt + this.#options.sweepIntervalMs - now;
        return Math.max(0, Math.min(this.#options.maxSleepMs, untilSweep, earliest === null ? Infinity : earliest - now));
      },
      onError: (error) => this.#hooks.onError(error),
    });
  }

  start(): void {
    this.#lastSweepAt = -Infinity; // a new leader sweeps at once: runs its predecessor left mid-way move on
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** A workflow was created or changed: look at the schedule again now. */
  wake(): void {
    this.#loop.wake();
  }

  settled(): Promise<void> {
    return this.#loop.settled();
  }

  async #fireDue(): Promise<number> {
    const fence = this.#hooks.fence();
    if (!fence) return 0;
    const now = this.#clock.now();
    const due = await this.#store.workflows.due(now, this.#options.batchSize);
    if (due.length === 0) return 0;
    const entries = due.map((workflow) => this.#plan(workflow, now));
    const inserted = await this.#store.workflowRuns.recordFires(fence, entries, now);
    for (const run of entries.flatMap((entry) => entry.runs)) {
      if (run.status === 'running' && inserted.has(run.id)) await this.#advancer.advance(run.id);
    }
    return due.length;
  }

  #plan(workflow: Workflow, now: number): WorkflowFireEntry {
    const expectedNextFireAt = workflow.nextFireAt!;
    let plan: ReturnType<typeof planFires>;
    try {
      const schedule = parseSchedule(workflow.cronExpression!, workflow.timezone, workflow.cronDialect);
      plan = planFires(schedule, expectedNextFireAt, now, { policy: workflow.misfirePolicy, graceMs: taskDefaults.misfireGraceSeconds * 1000, runAllCap: 100, maxDue: 10_000 });
    } catch (error) {
      // A stored schedule that no longer parses would stay due for ever: clear its cursor.
      this.#hooks.onError(error);
      return { workflowId: workflow.id, expectedNextFireAt, nextFireAt: null, lastFireAt: workflow.lastFireAt, runs: [] };
    }
    const run = (instant: number, status: 'running' | 'skipped'): NewWorkflowRun => ({
      id: newId(now),
      workflowId: workflow.id,
      trigger: 'schedule',
      scheduledTime: instant,
      fireTime: instant,
      sourceExecutionId: null,
      parameters: {},
      plan: workflow.plan,
      status,
    });
    const runs = [...plan.skip.map((instant) => run(instant, 'skipped')), ...plan.run.map((instant) => run(instant, 'running'))].sort((a, b) => a.scheduledTime - b.scheduledTime);
    const all = [...plan.skip, ...plan.run];
    return { workflowId: workflow.id, expectedNextFireAt, nextFireAt: plan.next, lastFireAt: all.length > 0 ? Math.max(...all) : workflow.lastFireAt, runs };
  }
}
