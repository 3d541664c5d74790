// Tasks read moments ago, by id and version, so that the next steps of their runs do not
// read them again: the fire loop's tasks for the dispatch of their fires, a trigger's task
// for its dispatch and the response, the dispatched task for the finish of a short run.
// A task is recalled only at the version its execution was made from (a version is one
// definition; an update makes a new one). A status change keeps the version, so the
// instance that makes one forgets the task; another instance's change can go unseen for
// up to MEMORY_MS here (a run of a task deleted elsewhere that moment may still start).
import type { Clock } from './clock.ts';
import type { Task } from './task.ts';

/** How long a task stands in for reading it again: past the fire lead, not much more. */
const MEMORY_MS = 2000;

export class TaskMemory {
  readonly #clock: Clock;
  readonly #tasks = new Map<string, { task: Task; until: number }>();
  #sweptAt = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  remember(tasks: readonly Task[]): void {
    const now = this.#clock.now();
    if (now - this.#sweptAt > MEMORY_MS) {
      this.#sweptAt = now;
      for (const [id, entry] of this.#tasks) if (entry.until < now) this.#tasks.delete(id);
    }
    for (const task of tasks) this.#tasks.set(task.id, { task, until: now + MEMORY_MS });
  }

  /** The task at this version, if it was read within the memory's span. */
  recall(id: string, version: number): Task | undefined {
    const entry = this.#tasks.get(id);
    if (!entry || entry.task.version !== version || entry.until < this.#clock.now()) return undefined;
    return entry.task;
  }

  /** The task changed here (paused, deleted, restored, updated): read it again next time. */
  forget(id: string): void {
    this.#tasks.delete(id);
  }
}
