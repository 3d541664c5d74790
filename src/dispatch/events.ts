// Typed events of the dispatch layer: tests await them, the API streams them.
import { EventEmitter } from 'node:events';
import type { ExecutionStatus } from '../domain/execution.ts';

export interface DispatchEvents {
  'execution.dispatched': { executionId: string; taskId: string; executorId: string };
  /** An execution started on its executor; times in epoch ms (the server's clock). */
  'execution.started': { executionId: string; scheduledTime: number; startTime: number; attempt: number };
  /**
   * An execution reached a terminal state (dispatch/execution-finisher.ts, its only
   * sender): once per execution. `retryId` is the retry that follows it, if any.
   */
  'execution.finished': {
    executionId: string;
    taskId: string;
    taskName: string;
    status: ExecutionStatus;
    executorId: string | null;
    attempt: number;
    retryId: string | null;
    /** The workflow run it is a step of (null outside workflows): the run moves on (workflow-advancer.ts). */
    workflowRunId: string | null;
    /** When it started running (null: it never ran) and ended, epoch ms. */
    startTime: number | null;
    endTime: number;
  };
  'execution.log': { executionId: string };
  'executor.connected': { executorId: string };
  'executor.disconnected': { executorId: string };
  /** The leader judged an agent lost (no heartbeat within the loss window); `runs`: its running executions, failed as executor_lost. */
  'executor.lost': { executorId: string; name: string; runs: number };
  /** A background loop failed; it logs, backs off and keeps going. */
  error: { error: unknown };
}

export class TypedEmitter<Events extends object> {
  readonly #emitter = new EventEmitter();

  constructor() {
    this.#emitter.setMaxListeners(0);
  }

  on<K extends keyof Events & string>(event: K, listener: (payload: Events[K]) => void): () => void {
    this.#emitter.on(event, listener);
    return () => this.#emitter.off(event, listener);
  }

  emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    this.#emitter.emit(event, payload);
  }

  /** Resolves with the first payload that satisfies `match`. */
  wait<K extends keyof Events & string>(event: K, match: (payload: Events[K]) => boolean = () => true): Promise<Events[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (payload) => {
        if (!match(payload)) return;
        off();
        resolve(payload);
      });
    });
  }
}
