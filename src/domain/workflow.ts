// Workflows (issue 19): a named DAG of steps, each a task. This file holds the pure rules:
// reading a definition (a cycle, an unknown step or a step depending on itself is refused,
// naming them), and deciding what a run does next from the states of its steps.
//
// A step starts when every dependency is met in the same run (fan-in): `success` — the
// upstream step succeeded; `failure` — it failed or timed out; `complete` — it ended,
// whatever the outcome. A step one of whose dependencies ended unmet is skipped, with the
// reason. on_failure `stop`: a failure that no step handles (depends on it with `failure`
// or `complete`) cancels every step not started yet; `continue` lets them run where their
// dependencies allow. A run ends once every step has ended: failed when a step failed,
// timed out or was cancelled, else success.
import { workflowFailurePolicies, type DependencyCondition, type ExecutionStatus, type WorkflowFailurePolicy } from '../protocol/enums.ts';
import { CronfleetError } from '../protocol/errors.ts';
import { text, type LocalizedText } from '../protocol/messages/index.ts';

interface WorkflowDependency {
  step: string;
  on: DependencyCondition;
}

export interface WorkflowStep {
  name: string;
  taskId: string;
  dependsOn: WorkflowDependency[];
}

/** What a run follows: a snapshot taken when it starts, so editing the workflow never changes a run under way. */
export interface RunPlan {
  steps: WorkflowStep[];
  onFailure: WorkflowFailurePolicy;
}

const STEP_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export function invalidWorkflow(field: string, problem: LocalizedText, details: Record<string, unknown> = {}): CronfleetError {
  return new CronfleetError('invalid_workflow', text('field.problem', { field, problem }), { field, ...details });
}

/** Reads the steps and failure policy of a workflow body (already shaped by its schema). */
export function parseRunPlan(body: { steps?: unknown; on_failure?: unknown }): RunPlan {
  const raw = Array.isArray(body.steps) ? (body.steps as Array<{ name: string; task_id: string; depends_on?: Array<{ step: string; on?: DependencyCondition }> }>) : [];
  if (raw.length === 0) throw invalidWorkflow('steps', text('workflow.noSteps'));
  const names = new Set<string>();
  const steps = raw.map((step, index) => {
    if (!STEP_NAME.test(step.name)) throw invalidWorkflow(`steps[${index}].name`, text('workflow.stepName'), { value: step.name });
    if (names.has(step.name)) throw invalidWorkflow(`steps[${index}].name`, text('workflow.stepTwice', { step: step.name }), { step: step.name });
    names.add(step.name);
    return { name: step.name, taskId: step.task_id, dependsOn: (step.depends_on ?? []).map((dependency) => ({ step: dependency.step, on: dependency.on ?? 'success' })) };
  });
  steps.forEach((step, index) => {
    const seen = new Set<string>();
    step.dependsOn.forEach((dependency, position) => {
      const field = `steps[${index}].depends_on[${position}].step`;
      if (dependency.step === step.name) throw invalidWorkflow(field, text('workflow.selfDependency', { step: step.name }), { step: step.name });
      if (!names.has(dependency.step)) throw invalidWorkflow(field, text('workflow.unknownStep', { step: step.name, missing: dependency.step }), { step: step.name, unknown_step: dependency.step });
      if (seen.has(dependency.step)) throw invalidWorkflow(field, text('workflow.dependencyTwice', { step: step.name, upstream: dependency.step }), { step: step.name });
      seen.add(dependency.step);
    });
  });
  const cycle = findCycle(steps);
  if (cycle) throw invalidWorkflow('steps', text('workflow.cycle', { cycle: cycle.join(' → ') }), { cycle });
  const onFailure = body.on_failure === undefined || body.on_failure === null ? 'stop' : (body.on_failure as WorkflowFailurePolicy);
  if (!workflowFailurePolicies.includes(onFailure)) throw invalidWorkflow('on_failure', text('value.oneOf', { allowed: workflowFailurePolicies.join(', ') }));
  return { steps, onFailure };
}

/** A cycle among the steps as the names along it (first repeated last), or null: depth-first search. */
export function findCycle(steps: readonly WorkflowStep[]): string[] | null {
  const byName = new Map(steps.map((step) => [step.name, step]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const dependency of byName.get(name)?.dependsOn ?? []) {
      const cycle = visit(dependency.step);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return null;
  };
  for (const step of steps) {
    const cycle = visit(step.name);
    if (cycle) return cycle;
  }
  return null;
}

/** A step's progress in a run: no execution yet (waiting), or its latest attempt. */
export interface StepProgress {
  status: ExecutionStatus | 'waiting';
  /** It has ended for good: a terminal status with no retry to follow. */
  settled: boolean;
}

export interface RunDecision {
  start: string[];
  skip: Array<{ step: string; upstream: string; status: ExecutionStatus; on: DependencyCondition }>;
  cancel: Array<{ step: string; failed: string }>;
  /** Set when every step has ended (counting this decision's skips and cancels). */
  outcome: 'success' | 'failed' | null;
}

const FAILURES: ReadonlyArray<ExecutionStatus | 'waiting'> = ['failed', 'timeout'];

function conditionMet(on: DependencyCondition, status: ExecutionStatus): boolean {
  if (on === 'success') return status === 'success';
  if (on === 'failure') return status === 'failed' || status === 'timeout';
  return true;
}

/** What the run does next; applying it twice is harmless (the store keys each step's execution). */
export function decideRun(plan: RunPlan, progress: ReadonlyMap<string, StepProgress>): RunDecision {
  const states = new Map(plan.steps.map((step) => [step.name, progress.get(step.name) ?? { status: 'waiting' as const, settled: false }]));
  const decision: RunDecision = { start: [], skip: [], cancel: [], outcome: null };
  const handled = new Set(plan.steps.flatMap((step) => step.dependsOn.filter((dependency) => dependency.on !== 'success').map((dependency) => dependency.step)));
  // Skips can cascade (a skipped step leaves its own dependents unmet): repeat until nothing changes.
  for (let changed = true; changed;) {
    changed = false;
    const unhandled = plan.steps.find((step) => {
      const state = states.get(step.name)!;
      return state.settled && FAILURES.includes(state.status) && !handled.has(step.name);
    });
    for (const step of plan.steps) {
      const state = states.get(step.name)!;
      if (state.status !== 'waiting' || decision.start.includes(step.name)) continue;
      if (plan.onFailure === 'stop' && unhandled) {
        decision.cancel.push({ step: step.name, failed: unhandled.name });
        states.set(step.name, { status: 'cancelled', settled: true });
        changed = true;
        continue;
      }
      const unmet = step.dependsOn.find((dependency) => {
        const upstream = states.get(dependency.step)!;
        return upstream.settled && upstream.status !== 'waiting' && !conditionMet(dependency.on, upstream.status);
      });
      if (unmet) {
        decision.skip.push({ step: step.name, upstream: unmet.step, status: states.get(unmet.step)!.status as ExecutionStatus, on: unmet.on });
        states.set(step.name, { status: 'skipped', settled: true });
        changed = true;
      } else if (step.dependsOn.every((dependency) => states.get(dependency.step)!.settled)) {
        decision.start.push(step.name);
      }
    }
  }
  const all = [...states.values()];
  if (decision.start.length === 0 && all.every((state) => state.settled)) {
    decision.outcome = all.some((state) => state.status === 'failed' || state.status === 'timeout' || state.status === 'cancelled') ? 'failed' : 'success';
  }
  return decision;
}
