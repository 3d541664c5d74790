// Request and response schemas of issue 19's API (README "Workflows", "Backfill"):
// workflows (DAGs of steps, each a task), their runs, and backfills of tasks and workflows.
import { Type, type Static } from 'typebox';
import { cronDialects, dependencyConditions, executionTriggers, misfirePolicies, workflowFailurePolicies, workflowRunStatuses, workflowRunTriggers, workflowStepStates } from './enums.ts';
import { Pagination } from './rest-schemas.ts';
import { Instant, named, oneOf, page, type Named } from './rest-responses.ts';

const Json = Type.Record(Type.String(), Type.Unknown());

// Backfill ----------------------------------------------------------------------------------

export const BackfillBody = Type.Object(
  {
    from: Type.String({ format: 'date-time', description: 'The first scheduled instant to consider (inclusive)' }),
    to: Type.String({ format: 'date-time', description: 'The last scheduled instant to consider (inclusive); instants after now are left to the schedule' }),
    max_runs: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'At most this many instants, the oldest first (default 1000)' })),
  },
  { additionalProperties: false },
);
export type BackfillBody = Static<typeof BackfillBody>;

export const BackfillResponse = named(
  'Backfill',
  Type.Object(
    {
      task_id: Type.Optional(Type.String()),
      workflow_id: Type.Optional(Type.String()),
      dry_run: Type.Boolean({ description: 'true: a preview; nothing was created' }),
      from: Instant,
      to: Instant,
      max_runs: Type.Integer(),
      instants: Type.Array(
        Type.Object({
          scheduled_time: Instant,
          new: Type.Boolean({ description: 'false: the instant is already in the fire ledger (fired, or backfilled before) and is skipped' }),
          execution_id: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "Tasks: the instant's execution (null in a preview of a new instant)" })),
          workflow_run_id: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "Workflows: the instant's run (null in a preview of a new instant)" })),
        }),
        { description: 'Every scheduled instant of the range (up to max_runs), oldest first' },
      ),
      created: Type.Integer({ description: 'Instants new to the ledger: created now, or to be created (preview)' }),
      existing: Type.Integer({ description: 'Instants already in the ledger: skipped' }),
      truncated: Type.Boolean({ description: 'The range holds more instants than max_runs: repeat from the one after the last' }),
    },
    { description: 'The scheduled instants of a range and what a backfill does (or did) with each' },
  ),
);
export type BackfillResponse = Static<typeof BackfillResponse>;

// Workflows ---------------------------------------------------------------------------------

const StepBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, description: 'Unique in the workflow: letters, digits, _ . : -' }),
    task_id: Type.String({ minLength: 1, maxLength: 64 }),
    depends_on: Type.Optional(
      Type.Array(
        Type.Object(
          {
            step: Type.String({ minLength: 1, maxLength: 128 }),
            on: Type.Optional(oneOf(dependencyConditions, { description: 'success (default): the step succeeded; failure: it failed or timed out; complete: it ended, whatever the outcome' })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    ),
  },
  { additionalProperties: false },
);

export const WorkflowBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    cron_expression: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()], { description: "As a task's; null or absent: manual runs only" })),
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    cron_dialect: Type.Optional(Type.String({ maxLength: 32, description: `${cronDialects.join(' or ')} (default standard)` })),
    misfire_policy: Type.Optional(oneOf(misfirePolicies)),
    steps: Type.Optional(Type.Array(StepBody, { maxItems: 200 })),
    on_failure: Type.Optional(oneOf(workflowFailurePolicies, { description: 'stop (default): a failure nothing handles cancels the steps not started yet; continue: they run where their dependencies allow' })),
  },
  { additionalProperties: false },
);
export type WorkflowBody = Static<typeof WorkflowBody>;

export const WorkflowTriggerBody = Type.Object({ parameters: Type.Optional(Json) }, { additionalProperties: false });

export const WorkflowListQuery = Type.Object(
  { ...Pagination, task_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only the workflows with a step that runs this task' })) },
  { additionalProperties: false },
);

export const WorkflowRunListQuery = Type.Object({ ...Pagination }, { additionalProperties: false });

const StepResponse = Type.Object({
  name: Type.String(),
  task_id: Type.String(),
  task_name: Type.Union([Type.String(), Type.Null()], { description: 'null when the task was deleted' }),
  depends_on: Type.Array(Type.Object({ step: Type.String(), on: oneOf(dependencyConditions) })),
});

export const WorkflowResponse = named(
  'Workflow',
  Type.Object({
    id: Type.String(),
    name: Type.String(),
    cron_expression: Type.Union([Type.String(), Type.Null()]),
    timezone: Type.String(),
    cron_dialect: oneOf(cronDialects),
    misfire_policy: oneOf(misfirePolicies),
    steps: Type.Array(StepResponse),
    on_failure: oneOf(workflowFailurePolicies),
    next_fire_at: Instant,
    last_fire_at: Instant,
    version: Type.Integer(),
    created_at: Instant,
    updated_at: Instant,
    latest_run: Type.Union([Type.Object({ id: Type.String(), status: oneOf(workflowRunStatuses), created_at: Instant, end_time: Instant }), Type.Null()], {
      description: 'Its newest run (GET /workflow-runs/{id} has its steps), null before the first',
    }),
  }),
);
export type WorkflowResponse = Static<typeof WorkflowResponse>;

export const WorkflowRunResponse = named(
  'WorkflowRun',
  Type.Object({
    id: Type.String(),
    workflow_id: Type.Union([Type.String(), Type.Null()], { description: "null for a task's on_success_trigger chain" }),
    workflow_name: Type.Union([Type.String(), Type.Null()]),
    source_execution_id: Type.Union([Type.String(), Type.Null()], { description: 'A chain: the successful execution whose on_success_trigger started it' }),
    trigger: oneOf(workflowRunTriggers),
    scheduled_time: Instant,
    parameters: Type.Record(Type.String(), Type.Unknown(), { description: 'Given to every step, merged over its task\'s own; secrets show as {"secret":true}' }),
    status: oneOf(workflowRunStatuses),
    on_failure: oneOf(workflowFailurePolicies),
    created_at: Instant,
    end_time: Instant,
    steps: Type.Array(
      Type.Object({
        ...StepResponse.properties,
        state: oneOf(workflowStepStates, { description: 'waiting: its dependencies have not all ended; else the status of its execution (the latest attempt)' }),
        execution_id: Type.Union([Type.String(), Type.Null()]),
        execution_trigger: Type.Union([oneOf(executionTriggers), Type.Null()]),
        attempt: Type.Union([Type.Integer(), Type.Null()]),
        reason: Type.Union([Type.String(), Type.Null()], { description: "Why it was skipped or cancelled, in the request's language" }),
        start_time: Instant,
        end_time: Instant,
        result: Type.Unknown({ description: 'What its execution returned (passed to its dependents as upstream.<step>.result)' }),
      }),
      { description: 'Every step of the run, in the order of the definition' },
    ),
  }),
);
export type WorkflowRunResponse = Static<typeof WorkflowRunResponse>;

export const WorkflowPage = page(WorkflowResponse);
export const WorkflowRunPage = page(WorkflowRunResponse);

/** Registered once by the server (api/openapi.ts). */
export const workflowResponseSchemas: readonly Named[] = [BackfillResponse, WorkflowResponse, WorkflowRunResponse, WorkflowPage, WorkflowRunPage];
