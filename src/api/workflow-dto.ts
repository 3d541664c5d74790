// Workflows and their runs on the wire (protocol/workflow-schemas.ts). A run shows every
// step of its snapshot with the state of its latest execution, so one read draws the DAG.
import type { Execution } from '../domain/execution.ts';
import { SECRET_PLACEHOLDER, mapSecrets } from '../domain/secrets.ts';
import { latestAttempts } from '../dispatch/workflow-advancer.ts';
import type { MessageLocale } from '../protocol/messages/index.ts';
import type { WorkflowResponse, WorkflowRunResponse } from '../protocol/workflow-schemas.ts';
import type { RunPlan } from '../domain/workflow.ts';
import type { Store } from '../store/store.ts';
import type { WorkflowRun } from '../store/workflow-runs.ts';
import type { Workflow } from '../store/workflows.ts';
import { iso } from './dto.ts';

async function taskNames(store: Store, plans: readonly RunPlan[]): Promise<Map<string, string | null>> {
  const names = new Map<string, string | null>();
  for (const taskId of new Set(plans.flatMap((plan) => plan.steps.map((step) => step.taskId)))) names.set(taskId, (await store.tasks.get(taskId))?.name ?? null);
  return names;
}

function stepsToWire(plan: RunPlan, names: Map<string, string | null>) {
  return plan.steps.map((step) => ({ name: step.name, task_id: step.taskId, task_name: names.get(step.taskId) ?? null, depends_on: step.dependsOn.map((dependency) => ({ step: dependency.step, on: dependency.on })) }));
}

export async function workflowsToWire(store: Store, workflows: readonly Workflow[]): Promise<WorkflowResponse[]> {
  const names = await taskNames(
    store,
    workflows.map((workflow) => workflow.plan),
  );
  const latest = await store.workflowRuns.latest(workflows.map((workflow) => workflow.id));
  return workflows.map((workflow) => ({
    id: workflow.id,
    name: workflow.name,
    cron_expression: workflow.cronExpression,
    timezone: workflow.timezone,
    cron_dialect: workflow.cronDialect,
    misfire_policy: workflow.misfirePolicy,
    steps: stepsToWire(workflow.plan, names),
    on_failure: workflow.plan.onFailure,
    next_fire_at: iso(workflow.nextFireAt),
    last_fire_at: iso(workflow.lastFireAt),
    version: workflow.version,
    created_at: iso(workflow.createdAt),
    updated_at: iso(workflow.updatedAt),
    latest_run: latestRunToWire(latest.get(workflow.id)),
  }));
}

function latestRunToWire(run: WorkflowRun | undefined): WorkflowResponse['latest_run'] {
  return run ? { id: run.id, status: run.status, created_at: iso(run.createdAt), end_time: iso(run.endTime) } : null;
}

export async function runsToWire(store: Store, runs: readonly WorkflowRun[], locale: MessageLocale): Promise<WorkflowRunResponse[]> {
  const executions = await store.executions.ofWorkflowRuns(runs.map((run) => run.id));
  const byRun = new Map<string, Execution[]>();
  for (const execution of executions) byRun.set(execution.workflowRunId!, [...(byRun.get(execution.workflowRunId!) ?? []), execution]);
  const names = await taskNames(
    store,
    runs.map((run) => run.plan),
  );
  const workflowNames = await store.workflows.names([...new Set(runs.flatMap((run) => (run.workflowId === null ? [] : [run.workflowId])))]);
  return runs.map((run) => {
    const latest = latestAttempts(byRun.get(run.id) ?? []);
    return {
      id: run.id,
      workflow_id: run.workflowId,
      workflow_name: run.workflowId === null ? null : (workflowNames.get(run.workflowId) ?? null),
      source_execution_id: run.sourceExecutionId,
      trigger: run.trigger,
      scheduled_time: iso(run.scheduledTime),
      parameters: mapSecrets(run.parameters, () => SECRET_PLACEHOLDER) as Record<string, unknown>,
      status: run.status,
      on_failure: run.plan.onFailure,
      created_at: iso(run.createdAt),
      end_time: iso(run.endTime),
      steps: stepsToWire(run.plan, names).map((step) => {
        const execution = latest.get(step.name);
        return {
          ...step,
          state: execution?.status ?? 'waiting',
          execution_id: execution?.id ?? null,
          execution_trigger: execution?.trigger ?? null,
          attempt: execution?.attempt ?? null,
          reason: execution ? (execution.reasonDetail?.in(locale) ?? execution.reason) : null,
          start_time: iso(execution?.startTime ?? null),
          end_time: iso(execution?.endTime ?? null),
          result: execution?.result ?? null,
        };
      }),
    };
  });
}
