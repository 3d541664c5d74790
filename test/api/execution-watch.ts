// Records execution events from the moment it is created, so a test can await the
// start or end of an execution whose id it learns only from the trigger response
// (the event may already have happened by then). Waits are bounded: a stuck
// execution fails the test instead of hanging it.
import type { ExecutionStatus } from '../../src/domain/execution.ts';
import type { TestServer } from '../helpers/server.ts';

// A bound for "never comes", not a timing: generous, since CI runs two test files at once on two cores.
const WAIT_LIMIT_MS = 60_000;

export interface ExecutionWatch {
  started(executionId: string): Promise<void>;
  finished(executionId: string): Promise<ExecutionStatus>;
  stop(): void;
}

export function watchExecutions(t: TestServer): ExecutionWatch {
  const started = new Set<string>();
  const finished = new Map<string, ExecutionStatus>();
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  const offStarted = t.server.events.on('execution.started', ({ executionId }) => {
    started.add(executionId);
    notify();
  });
  const offFinished = t.server.events.on('execution.finished', ({ executionId, status }) => {
    finished.set(executionId, status);
    notify();
  });

  function until<T>(what: string, read: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = read();
        if (value === undefined) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}`));
      }, WAIT_LIMIT_MS);
      waiters.add(check);
      check();
    });
  }

  return {
    // A finished execution has started, even if its start event was never seen.
    started: (id) => until(`execution ${id} to start`, () => (started.has(id) || finished.has(id) ? true : undefined)).then(() => {}),
    finished: (id) => until(`execution ${id} to finish`, () => finished.get(id)),
    stop() {
      offStarted();
      offFinished();
    },
  };
}
