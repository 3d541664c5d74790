// Per-task routing state (round-robin cursor, sticky binding), kept in memory on the
// leader and written behind to load_balance_state once per dispatch pass, so a new
// leader continues where the old one stopped.
import type { RoutingState } from '../domain/routing.ts';
import type { Store } from '../store/store.ts';

interface TaskRouting {
  cursor: number;
  sticky: string | null;
}

export class RoutingMemory {
  readonly #store: Store;
  readonly #states = new Map<string, TaskRouting>();
  readonly #dirty = new Set<string>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** Loads the state of tasks not seen yet (one query for all of them). */
  async prepare(taskIds: string[]): Promise<void> {
    const missing = taskIds.filter((id) => !this.#states.has(id));
    if (missing.length === 0) return;
    const stored = await this.#store.loadBalance.load(missing.map(key));
    for (const id of missing) {
      const value = stored.get(key(id));
      let state: TaskRouting = { cursor: 0, sticky: null };
      try {
        if (value) state = { ...state, ...(JSON.parse(value) as Partial<TaskRouting>) };
      } catch {
        // a damaged row: start afresh
      }
      this.#states.set(id, state);
    }
    if (this.#states.size > 100_000) this.#states.clear(); // a bound, not a cache policy: it refills from the table
  }

  state(taskId: string): RoutingState {
    const state = this.#states.get(taskId) ?? { cursor: 0, sticky: null };
    return { cursor: state.cursor, stickyExecutorId: state.sticky, hashKey: taskId };
  }

  assigned(taskId: string, executorId: string): void {
    const state = this.#states.get(taskId) ?? { cursor: 0, sticky: null };
    this.#states.set(taskId, { cursor: state.cursor + 1, sticky: executorId });
    this.#dirty.add(taskId);
  }

  async flush(now: number): Promise<void> {
    if (this.#dirty.size === 0) return;
    const entries = new Map([...this.#dirty].map((id) => [key(id), JSON.stringify(this.#states.get(id))]));
    this.#dirty.clear();
    await this.#store.loadBalance.save(entries, now);
  }

  /** A new leader must read what the previous one wrote. */
  forget(): void {
    this.#states.clear();
    this.#dirty.clear();
  }
}

const KEY_PREFIX = 'task:';

function key(taskId: string): string {
  return `${KEY_PREFIX}${taskId}`;
}

/**
 * A removed executor's routing state: the sticky bindings that name it are cleared in
 * the table (cursors are per task and stay). A leader's memory may still name it until
 * that task's next assignment rebinds it; that is harmless, as routing only ever picks
 * an eligible executor and a removed one is not in the executor list it chooses from
 * (and one that comes back, with a new id, is not the one named). Returns how many
 * bindings were cleared.
 */
export async function forgetStickyBindings(store: Store, executorId: string, now: number): Promise<number> {
  const stored = await store.loadBalance.containing(KEY_PREFIX, executorId);
  const cleared = new Map<string, string>();
  for (const [stateKey, value] of stored) {
    try {
      const state = JSON.parse(value) as Partial<TaskRouting>;
      if (state.sticky === executorId) cleared.set(stateKey, JSON.stringify({ ...state, sticky: null }));
    } catch {
      // a damaged row names nobody: prepare() starts it afresh
    }
  }
  await store.loadBalance.save(cleared, now);
  return cleared.size;
}
