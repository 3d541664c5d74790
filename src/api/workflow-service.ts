// Workflow operations behind the API (issue 19): validation (steps, tasks, schedule), the
// fire cursor, manual runs and backfills, and the on_success_trigger check for tasks.
import { BACKFILL_DEFAULT_MAX_RUNS } from '../domain/backfill.ts';
import type { Clock } from '../domain/clock.ts';
import { newId } from '../domain/ids.ts';
import { assertTimezone, parseDialect, parseSchedule, validateSchedule } from '../domain/schedule.ts';
import { assertParameterSecrets, mapSecrets } from '../domain/secrets.ts';
import { taskDefaults } from '../domain/task.ts';
import { findCycle, invalidWorkflow, parseRunPlan } from '../domain/workflow.ts';
import type { WorkflowAdvancer } from '../dispatch/workflow-advancer.ts';
import { misfirePolicies, type MisfirePolicy } from '../protocol/enums.ts';
import { CronfleetError } from '../protocol/errors.ts';
import { text } from '../protocol/messages/index.ts';
import type { BackfillBody, WorkflowBody } from '../protocol/workflow-schemas.ts';
import type { SecretCipher } from '../store/secret-cipher.ts';
import type { Store } from '../store/store.ts';
import type { NewWorkflowRun, WorkflowRun } from '../store/workflow-runs.ts';
import type { Workflow, WorkflowDefinition } from '../store/workflows.ts';
import { planBackfill } from './backfill.ts';
import { iso } from './dto.ts';

export interface WorkflowServiceDeps {
  store: Store;
  clock: Clock;
  secrets: SecretCipher;
  advancer: WorkflowAdvancer;
  /** A workflow's schedule changed: the leader's workflow loop looks again. */
  scheduleChanged(): void;
}

export class WorkflowService {
  readonly #deps: WorkflowServiceDeps;

  constructor(deps: WorkflowServiceDeps) {
    this.#deps = deps;
  }

  async create(body: WorkflowBody): Promise<Workflow> {
    const definition = await this.#parse(body);
    const now = this.#deps.clock.now();
    const workflow = await this.#deps.store.workflows.create(newId(now), definition, nextFire(definition, now), now);
    this.#deps.scheduleChanged();
    return workflow;
  }

  async get(id: string): Promise<Workflow> {
    const workflow = await this.#deps.store.workflows.get(id);
    if (!workflow) throw new CronfleetError('workflow_not_found', text('workflow.notFound', { id }), { id });
    return workflow;
  }

  /** Fields given replace stored ones; the result is validated whole. Runs under way keep the steps they started with. */
  async update(id: string, body: WorkflowBody): Promise<Workflow> {
    const existing = await this.get(id);
    const definition = await this.#parse({ ...workflowToBody(existing), ...body });
    const now = this.#deps.clock.now();
    const scheduleSame = definition.cronExpression === existing.cronExpression && definition.timezone === existing.timezone && definition.cronDialect === existing.cronDialect;
    const updated = await this.#deps.store.workflows.update(id, definition, scheduleSame ? existing.nextFireAt : nextFire(definition, now), now);
    if (!updated) throw new CronfleetError('workflow_not_found', text('workflow.notFound', { id }), { id });
    this.#deps.scheduleChanged();
    return updated;
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    await this.#deps.store.workflows.remove(id, this.#deps.clock.now());
    this.#deps.scheduleChanged();
  }

  /** A manual run now: its first steps start at once, each given these parameters over its task's. */
  async trigger(id: string, parameters: Record<string, unknown>): Promise<WorkflowRun> {
    const workflow = await this.get(id);
    assertParameterSecrets(parameters);
    const sealed = mapSecrets(
      parameters,
      (secret, path) => {
        if ('$sealed' in secret) return secret;
        if (secret.secret === true) throw invalidWorkflow(path.join('.'), text('task.secretNotStored'));
        return { $sealed: this.#deps.secrets.seal(secret.secret) };
      },
      ['parameters'],
    ) as Record<string, unknown>;
    const now = this.#deps.clock.now();
    const run: NewWorkflowRun = { id: newId(now), workflowId: workflow.id, trigger: 'manual', scheduledTime: now, fireTime: null, sourceExecutionId: null, parameters: sealed, plan: workflow.plan, status: 'running' };
    await this.#deps.store.workflowRuns.insert([run], now);
    await this.#deps.advancer.advance(run.id);
    return (await this.#deps.store.workflowRuns.get(run.id))!;
  }

  async run(id: string): Promise<WorkflowRun> {
    const run = await this.#deps.store.workflowRuns.get(id);
    if (!run) throw new CronfleetError('workflow_run_not_found', text('workflowRun.notFound', { id }), { id });
    return run;
  }

  /** One run (trigger backfill) per scheduled instant of the range not yet in the workflow's fire ledger; `dryRun` creates nothing. */
  async backfill(id: string, body: BackfillBody, dryRun: boolean) {
    const workflow = await this.get(id);
    const now = this.#deps.clock.now();
    const schedule = workflow.cronExpression === null ? null : parseSchedule(workflow.cronExpression, workflow.timezone, workflow.cronDialect);
    const plan = planBackfill(body, schedule, now, text('workflowBackfill.noSchedule'));
    const before = await this.#deps.store.workflowRuns.fires(workflow.id, plan.instants);
    let ledger = before;
    let isNew = (instant: number) => !before.has(instant);
    if (!dryRun) {
      const runs: NewWorkflowRun[] = plan.instants
        .filter((instant) => !before.has(instant))
        .map((instant) => ({ id: newId(now), workflowId: workflow.id, trigger: 'backfill', scheduledTime: instant, fireTime: instant, sourceExecutionId: null, parameters: {}, plan: workflow.plan, status: 'running' }));
      const inserted = await this.#deps.store.workflowRuns.insert(runs, now);
      for (const run of runs) if (inserted.has(run.id)) await this.#deps.advancer.advance(run.id);
      ledger = runs.length === 0 ? before : await this.#deps.store.workflowRuns.fires(workflow.id, plan.instants);
      isNew = (instant) => inserted.has(ledger.get(instant) ?? '');
    }
    const instants = plan.instants.map((instant) => ({ scheduled_time: iso(instant), new: isNew(instant), workflow_run_id: ledger.get(instant) ?? null }));
    const created = instants.filter((instant) => instant.new).length;
    return {
      workflow_id: workflow.id,
      dry_run: dryRun,
      from: iso(plan.from),
      to: iso(plan.to),
      max_runs: plan.maxRuns ?? BACKFILL_DEFAULT_MAX_RUNS,
      instants,
      created,
      existing: instants.length - created,
      truncated: plan.truncated,
    };
  }

  async #parse(body: WorkflowBody): Promise<WorkflowDefinition> {
    const name = (body.name ?? '').normalize('NFC');
    if (name.trim() === '') throw invalidWorkflow('name', text('value.required'));
    const timezone = body.timezone ?? taskDefaults.timezone;
    assertTimezone(timezone);
    const cronDialect = parseDialect(body.cron_dialect);
    const cronExpression = body.cron_expression === undefined || body.cron_expression === null || body.cron_expression === '' ? null : body.cron_expression;
    if (cronExpression !== null) validateSchedule(cronExpression, timezone, this.#deps.clock.now(), cronDialect);
    const misfirePolicy: MisfirePolicy = body.misfire_policy ?? taskDefaults.misfirePolicy;
    if (!misfirePolicies.includes(misfirePolicy)) throw invalidWorkflow('misfire_policy', text('value.oneOf', { allowed: misfirePolicies.join(', ') }));
    const plan = parseRunPlan(body);
    for (const [index, step] of plan.steps.entries()) {
      if (!(await this.#deps.store.tasks.get(step.taskId)))
        throw invalidWorkflow(`steps[${index}].task_id`, text('workflow.unknownTask', { step: step.name, task: step.taskId }), { step: step.name, unknown_task: step.taskId });
    }
    return { name, cronExpression, timezone, cronDialect, misfirePolicy, plan };
  }
}

/**
 * A task's on_success_trigger names live tasks, and no chain of them leads back to the task
 * (that would start runs for ever). `taskId` is null for a task not created yet.
 */
export async function assertTriggerTargets(store: Store, taskId: string | null, targets: readonly string[]): Promise<void> {
  const lists = new Map<string, string[]>();
  for (const target of targets) {
    const task = await store.tasks.get(target);
    if (!task)
      throw new CronfleetError('invalid_task', text('field.problem', { field: 'on_success_trigger', problem: text('onSuccessTrigger.unknownTask', { task: target }) }), {
        field: 'on_success_trigger',
        unknown_task: target,
      });
  }
  if (taskId === null) return; // nothing can lead back to a task that does not exist yet
  // Walk what the targets trigger in turn; a path back to this task is a cycle.
  const queue = [...targets];
  lists.set(taskId, [...targets]);
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (lists.has(id)) continue;
    const next = (await store.tasks.get(id))?.onSuccessTrigger ?? [];
    lists.set(id, next);
    queue.push(...next);
  }
  const cycle = findCycle([...lists].map(([name, next]) => ({ name, taskId: name, dependsOn: next.map((step) => ({ step, on: 'success' as const })) })));
  if (cycle) {
    throw new CronfleetError('invalid_task', text('field.problem', { field: 'on_success_trigger', problem: text('onSuccessTrigger.cycle', { cycle: cycle.join(' → ') }) }), { field: 'on_success_trigger', cycle });
  }
}

/** The stored workflow as a body, for merging an update. */
function workflowToBody(workflow: Workflow): WorkflowBody {
  return {
    name: workflow.name,
    cron_expression: workflow.cronExpression,
    timezone: workflow.timezone,
    cron_dialect: workflow.cronDialect,
    misfire_policy: workflow.misfirePolicy,
    on_failure: workflow.plan.onFailure,
    steps: workflow.plan.steps.map((step) => ({ name: step.name, task_id: step.taskId, depends_on: step.dependsOn })),
  };
}

function nextFire(definition: WorkflowDefinition, now: number): number | null {
  return definition.cronExpression === null ? null : parseSchedule(definition.cronExpression, definition.timezone, definition.cronDialect).next(now);
}
