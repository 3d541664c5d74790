// Task operations behind the API: validation, the fire cursor, and waking the scheduler.
import type { Clock } from '../domain/clock.ts';
import { newId } from '../domain/ids.ts';
import { LATEST_INSTANT, parseSchedule, validateSchedule } from '../domain/schedule.ts';
import { definitionToWire, parseTaskDefinition, taskTypes, typeSpecificFields, type Task, type TaskDefinition } from '../domain/task.ts';
import { SECRET_PLACEHOLDER, assertParameterSecrets, mapSecrets, sealedParameters, sealedSecrets, withSecrets, type SecretValue } from '../domain/secrets.ts';
import { newExecution, type Execution } from '../domain/execution.ts';
import { taskWarnings } from '../dispatch/eligibility.ts';
import { CronfleetError } from '../protocol/errors.ts';
import { text, type LocalizedText } from '../protocol/messages/index.ts';
import type { SecretCipher } from '../store/secret-cipher.ts';
import type { Store } from '../store/store.ts';
import type { BackfillBody } from '../protocol/workflow-schemas.ts';
import { insertedExecution } from '../store/executions.ts';
import { backfillTask } from './backfill.ts';
import { assertTriggerTargets } from './workflow-service.ts';

export interface TaskServiceDeps {
  store: Store;
  clock: Clock;
  /** Seals new secret values before they are stored. */
  secrets: SecretCipher;
  /** A task was created or changed: the fire loop recomputes, and what was read of it before is stale. */
  scheduleChanged(taskId: string): void;
  /** A task just read for a run: its dispatch and finish need not read it again. */
  taskRead(task: Task): void;
  /** New pending work: the dispatcher looks. */
  workAdded(): void;
}

export class TaskService {
  readonly #deps: TaskServiceDeps;

  constructor(deps: TaskServiceDeps) {
    this.#deps = deps;
  }

  async create(body: unknown): Promise<Task> {
    const definition = this.#seal(parseTaskDefinition(body), new Map());
    await assertTriggerTargets(this.#deps.store, null, definition.onSuccessTrigger);
    const paused = (body as Record<string, unknown>).status === 'paused';
    const now = this.#deps.clock.now();
    assertFiresFrom(definition, now);
    const task = await this.#deps.store.tasks.create(newId(now), definition, paused ? 'paused' : 'active', paused ? null : nextFire(definition, now), now);
    this.#deps.scheduleChanged(task.id);
    return task;
  }

  /** For each task, what may keep it from running now (every task answer carries it). */
  async warnings(tasks: Task[]): Promise<LocalizedText[][]> {
    const executors = await this.#deps.store.executors.list();
    return tasks.map((task) => taskWarnings(task, executors));
  }

  /** A live task; a deleted one only when asked (every operation but reading and restoring answers 404 for it). */
  async get(id: string, options: { includeDeleted?: boolean } = {}): Promise<Task> {
    const task = options.includeDeleted ? await this.#deps.store.tasks.getIncludingDeleted(id) : await this.#deps.store.tasks.get(id);
    if (!task) throw new CronfleetError('task_not_found', text('notFound.task', { id }), { id });
    return task;
  }

  /** A partial update: given fields replace stored ones; the result is validated whole. */
  async update(id: string, body: unknown): Promise<Task> {
    const existing = await this.get(id);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new CronfleetError('invalid_task', text('task.bodyObject'), { field: 'body' });
    }
    const changes = body as Record<string, unknown>;
    // The stored secrets enter the merge as placeholders, exactly as a client that read the
    // task and sent it back would give them: both keep the stored value.
    const merged: Record<string, unknown> = { ...definitionToWire(withSecrets(existing, () => SECRET_PLACEHOLDER)) };
    // Switching type (explicitly, or by giving another type's main field) drops the old type's fields.
    const otherType = changes.type ?? taskTypes.find((type) => type !== existing.type && changes[type] !== undefined);
    if (otherType !== undefined && otherType !== existing.type) for (const field of typeSpecificFields) delete merged[field];
    Object.assign(merged, changes);
    const definition = this.#seal(parseTaskDefinition(merged), sealedSecrets(existing));
    await assertTriggerTargets(this.#deps.store, id, definition.onSuccessTrigger);
    const status = changes.status as 'active' | 'paused' | undefined;
    const now = this.#deps.clock.now();
    const scheduleSame = definition.cronExpression === existing.cronExpression && definition.timezone === existing.timezone && definition.cronDialect === existing.cronDialect;
    if (!scheduleSame) assertFiresFrom(definition, now);
    let updated: Task | null;
    if (status !== undefined && status !== existing.status) {
      await this.#deps.store.tasks.update(id, definition, existing.nextFireAt, now);
      updated = await this.#deps.store.tasks.setStatus(id, status, status === 'active' ? nextFire(definition, now) : null, now);
    } else {
      // A cursor no instant can hold (stored by an older version) is recomputed, so an update repairs it.
      const cursorReadable = existing.nextFireAt === null || existing.nextFireAt <= LATEST_INSTANT;
      const next = existing.status !== 'active' ? null : scheduleSame && cursorReadable ? existing.nextFireAt : nextFire(definition, now);
      updated = await this.#deps.store.tasks.update(id, definition, next, now);
    }
    if (!updated) throw new CronfleetError('task_not_found', text('notFound.task', { id }), { id });
    this.#deps.scheduleChanged(id);
    return updated;
  }

  /** New secret values are sealed; placeholders take the stored value at the same path. */
  #seal(definition: TaskDefinition, stored: Map<string, string>): TaskDefinition {
    return withSecrets(definition, this.#sealer(stored));
  }

  #sealer(stored: Map<string, string>): (secret: SecretValue, path: string[]) => SecretValue {
    return (secret, path) => {
      if ('$sealed' in secret) return secret;
      if (secret.secret !== true) return { $sealed: this.#deps.secrets.seal(secret.secret) };
      const sealed = stored.get(JSON.stringify(path));
      if (sealed === undefined) {
        const field = path.join('.');
        throw new CronfleetError('invalid_task', text('field.problem', { field, problem: text('task.secretNotStored') }), { field });
      }
      return { $sealed: sealed };
    };
  }

  async pause(id: string): Promise<Task> {
    await this.get(id);
    const now = this.#deps.clock.now();
    const task = await this.#deps.store.tasks.setStatus(id, 'paused', null, now);
    await this.#deps.store.executions.dropEarlyFires(id, now);
    this.#deps.scheduleChanged(id);
    return task!;
  }

  /** Resuming fires from now on: fires that fell in the pause are not misfires. */
  async resume(id: string): Promise<Task> {
    const existing = await this.get(id);
    const now = this.#deps.clock.now();
    const task = await this.#deps.store.tasks.setStatus(id, 'active', nextFire(existing, now), now);
    this.#deps.scheduleChanged(id);
    return task!;
  }

  async remove(id: string): Promise<void> {
    await this.get(id);
    const now = this.#deps.clock.now();
    await this.#deps.store.tasks.setStatus(id, 'deleted', null, now);
    await this.#deps.store.executions.dropEarlyFires(id, now);
    this.#deps.scheduleChanged(id);
    this.#deps.workAdded(); // pending executions of a deleted task get cancelled
  }

  /**
   * Undoes a delete. The task comes back paused: its schedule may be long stale, and a
   * restore should not start runs by itself; resume recomputes the next fire from now.
   * A task that is not deleted is answered as it is (restore is idempotent); name_taken
   * (409) when another task took its name meanwhile.
   */
  async restore(id: string): Promise<Task> {
    const existing = await this.get(id, { includeDeleted: true });
    if (existing.status !== 'deleted') return existing;
    const task = await this.#deps.store.tasks.restore(id, this.#deps.clock.now());
    this.#deps.scheduleChanged(id);
    return task ?? this.get(id); // restored by someone else in between: as it is now
  }

  /**
   * A manual run now with exactly the parameters an earlier execution of the task ran with.
   * Its secrets are copied as stored (sealed), so a one-off secret that run was given is
   * used again: a trigger with the masked parameters a client reads ({"secret":true})
   * would take the task's stored secret instead, or be refused where the task has none.
   */
  async rerun(execution: Execution): Promise<Execution> {
    const task = await this.get(execution.taskId);
    const now = this.#deps.clock.now();
    const executionId = newId(now);
    await this.#deps.store.executions.insert([newExecution({ id: executionId, taskId: task.id, taskVersion: task.version, trigger: 'manual', scheduledTime: now, parameters: execution.parameters })], now);
    this.#deps.workAdded();
    return (await this.#deps.store.executions.get(executionId))!;
  }

  /** Backfill (or its preview, `dryRun`): one execution per scheduled instant of the range not yet in the fire ledger. */
  async backfill(id: string, body: BackfillBody, dryRun: boolean) {
    return backfillTask(this.#deps, await this.get(id), body, dryRun);
  }

  /** A manual run now, with parameters merged over the task's. Bypasses the execution mode. */
  async trigger(id: string, overrides: Record<string, unknown>): Promise<{ execution: Execution; task: Task }> {
    const task = await this.get(id);
    assertParameterSecrets(overrides);
    const parameters = mapSecrets(overrides, this.#sealer(sealedParameters(task.parameters)), ['parameters']) as Record<string, unknown>;
    const now = this.#deps.clock.now();
    const executionId = newId(now);
    const execution = newExecution({ id: executionId, taskId: task.id, taskVersion: task.version, trigger: 'manual', scheduledTime: now, parameters: { ...task.parameters, ...parameters } });
    await this.#deps.store.executions.insert([execution], now);
    this.#deps.taskRead(task);
    this.#deps.workAdded();
    return { execution: insertedExecution(execution, task.name, now), task };
  }
}

/** A schedule set now must still fire: `0 0 1 1 * 2001` parses, but is over. */
function assertFiresFrom(definition: Pick<TaskDefinition, 'cronExpression' | 'timezone' | 'cronDialect'>, now: number): void {
  if (definition.cronExpression !== null) validateSchedule(definition.cronExpression, definition.timezone, now, definition.cronDialect);
}

function nextFire(definition: Pick<TaskDefinition, 'cronExpression' | 'timezone' | 'cronDialect'>, now: number): number | null {
  if (definition.cronExpression === null) return null;
  return parseSchedule(definition.cronExpression, definition.timezone, definition.cronDialect).next(now);
}
