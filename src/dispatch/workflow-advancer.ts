// Moves workflow runs forward (issue 19). A run's state is its steps' executions, in the
// database: advance() reads them, asks the domain what comes next (domain/workflow.ts
// decideRun) and records it — steps to start as pending executions (trigger dependency),
// steps to skip or cancel as executions born skipped or cancelled, the run's end with a
// guarded UPDATE. Every step's execution is keyed by (run, step, attempt), so two advances
// of the same run (an event here, a sweep on the leader) record each step once.
//
// It is driven by the one "execution finished" event (execution-finisher.ts), on whichever
// instance finished the execution, and by the leader's sweep of running runs, which picks up
// a run whose event was lost with its instance (a leader killed between a step's end and the
// next step's start): nothing is lost, and nothing runs twice.
import type { Clock } from '../domain/clock.ts';
import { isRetryable, isTerminal, newExecution, type Execution, type NewExecution } from '../domain/execution.ts';
import { newId } from '../domain/ids.ts';
import type { Task } from '../domain/task.ts';
import { decideRun, type RunPlan, type StepProgress } from '../domain/workflow.ts';
import { text } from '../protocol/messages/index.ts';
import type { Store } from '../store/store.ts';
import type { WorkflowRun } from '../store/workflow-runs.ts';
import type { DispatchEvents } from './events.ts';

/**
 * A failed step whose task allows a retry is not final while the finisher records that
 * retry (it does so right after the end); a retry missing this long after the end was lost
 * with its instance, and the step counts as failed.
 */
const RETRY_GRACE_MS = 60_000;

/**
 * How long a task's on_success_trigger as read stands in for reading it again: every
 * success is looked at, and most tasks chain nothing, so the read is not repeated per run.
 * A change made meanwhile is seen this much later at most.
 */
const TRIGGER_MEMORY_MS = 2000; // real ms

export interface WorkflowAdvancerDeps {
  store: Store;
  clock: Clock;
  /** New pending work: the dispatcher looks. */
  wake(): void;
}

export class WorkflowAdvancer {
  readonly #deps: WorkflowAdvancerDeps;
  readonly #triggers = new Map<string, { ids: string[]; until: number }>();

  constructor(deps: WorkflowAdvancerDeps) {
    this.#deps = deps;
  }

  /** An execution ended: its run moves on; a success of a task with on_success_trigger starts its chain. */
  async onFinished(finished: DispatchEvents['execution.finished']): Promise<void> {
    if (finished.workflowRunId !== null) await this.advance(finished.workflowRunId);
    if (finished.status === 'success') await this.startChain(finished.executionId, finished.taskId);
  }

  /**
   * The chain of a task's on_success_trigger, as a run without a workflow: one step per
   * task it names, each given the successful run's result. Once per successful execution
   * (the run's unique source_execution_id). Returns the run's id, or null for no chain.
   */
  async startChain(executionId: string, taskId: string): Promise<string | null> {
    const { store, clock } = this.#deps;
    const triggers = await this.#triggersOf(taskId);
    if (triggers.length === 0) return null;
    const targets = (await Promise.all(triggers.map((id) => store.tasks.get(id)))).filter((target) => target !== null);
    if (targets.length === 0) return null;
    const now = clock.now();
    const plan: RunPlan = { steps: targets.map((target) => ({ name: target.name, taskId: target.id, dependsOn: [] })), onFailure: 'continue' };
    await store.workflowRuns.insert([{ id: newId(now), workflowId: null, trigger: 'dependency', scheduledTime: now, fireTime: null, sourceExecutionId: executionId, parameters: {}, plan, status: 'running' }], now);
    const run = await store.workflowRuns.bySourceExecution(executionId);
    if (run) await this.advance(run.id);
    return run?.id ?? null;
  }

  async #triggersOf(taskId: string): Promise<string[]> {
    const now = performance.now(); // real time, as a cache: a fake clock in tests must not keep it for ever
    const known = this.#triggers.get(taskId);
    if (known && known.until > now) return known.ids;
    const ids = (await this.#deps.store.tasks.getIncludingDeleted(taskId))?.onSuccessTrigger ?? [];
    if (this.#triggers.size > 10_000) this.#triggers.clear();
    this.#triggers.set(taskId, { ids, until: now + TRIGGER_MEMORY_MS });
    return ids;
  }

  /** Records what the run does next; harmless to call at any time, any number of times. */
  async advance(runId: string): Promise<void> {
    const { store, clock } = this.#deps;
    const run = await store.workflowRuns.get(runId);
    if (!run || run.status !== 'running') return;
    const latest = latestAttempts(await store.executions.ofWorkflowRuns([run.id]));
    const tasks = new Map<string, Task | null>();
    for (const taskId of new Set(run.plan.steps.map((step) => step.taskId))) tasks.set(taskId, await store.tasks.getIncludingDeleted(taskId));
    const now = clock.now();
    const progress = new Map<string, StepProgress>();
    for (const [step, execution] of latest) {
      progress.set(step, { status: execution.status, settled: isTerminal(execution.status) && !retryComing(execution, tasks.get(execution.taskId) ?? null, now) });
    }
    const decision = decideRun(run.plan, progress);
    const upstreamOf = await this.#upstream(run, latest);
    const rows: NewExecution[] = [];
    const stepExecution = (stepName: string, fields: Partial<NewExecution>) => {
      const step = run.plan.steps.find((candidate) => candidate.name === stepName)!;
      const task = tasks.get(step.taskId) ?? null;
      rows.push(
        newExecution({
          id: newId(now),
          taskId: step.taskId,
          taskVersion: task?.version ?? 0,
          trigger: 'dependency',
          scheduledTime: run.scheduledTime,
          parameters: { ...(task?.parameters ?? {}), ...run.parameters, upstream: upstreamOf(step.dependsOn.map((dependency) => dependency.step)) },
          workflowRunId: run.id,
          workflowStep: step.name,
          ...fields,
        }),
      );
    };
    for (const step of decision.start) stepExecution(step, {});
    for (const { step, upstream, status, on } of decision.skip) {
      const why = text('workflow.skipped', { upstream, status, on });
      stepExecution(step, { status: 'skipped', reason: why.toString(), reasonDetail: why });
    }
    for (const { step, failed } of decision.cancel) {
      const why = text('workflow.stopped', { step: failed });
      stepExecution(step, { status: 'cancelled', reason: why.toString(), reasonDetail: why });
    }
    const inserted = await store.executions.insert(rows, now);
    if (rows.some((row) => row.status === 'pending' && inserted.has(row.id))) this.#deps.wake();
    if (decision.outcome !== null) await store.workflowRuns.finish(run.id, decision.outcome, now);
  }

  /** Advances every running run (the leader's sweep); returns how many it looked at. */
  async sweep(limit = 500): Promise<number> {
    const ids = await this.#deps.store.workflowRuns.running(limit);
    for (const id of ids) await this.advance(id);
    return ids.length;
  }

  /** What a step is given of its dependencies: upstream.<step>.status and .result (a chain: the execution that started it). */
  async #upstream(run: WorkflowRun, latest: Map<string, Execution>): Promise<(steps: string[]) => Record<string, { status: string | null; result: unknown }>> {
    const source = run.sourceExecutionId === null ? null : await this.#deps.store.executions.get(run.sourceExecutionId);
    return (steps) => {
      const upstream: Record<string, { status: string | null; result: unknown }> = {};
      if (source) upstream[source.taskName] = { status: source.status, result: source.result };
      for (const step of steps) upstream[step] = { status: latest.get(step)?.status ?? null, result: latest.get(step)?.result ?? null };
      return upstream;
    };
  }
}

/** Each step's latest attempt. */
export function latestAttempts(executions: readonly Execution[]): Map<string, Execution> {
  const latest = new Map<string, Execution>();
  for (const execution of executions) {
    if (execution.workflowStep === null || execution.parentId !== null) continue; // broadcast shards follow their first
    const known = latest.get(execution.workflowStep);
    if (!known || execution.attempt > known.attempt) latest.set(execution.workflowStep, execution);
  }
  return latest;
}

function retryComing(execution: Execution, task: Task | null, now: number): boolean {
  if (!isRetryable(execution.status) || !task || task.status === 'deleted' || execution.attempt > task.maxRetry) return false;
  return execution.endTime === null || now - execution.endTime < RETRY_GRACE_MS;
}
