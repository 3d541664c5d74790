// Which executors may run a task now: connected here, online, healthy, offering the
// task's runner, carrying its labels, named by it (when it names executors) and with
// free capacity. When none is, a reason a person can act on.
import { labelsMatch, type Candidate } from '../domain/routing.ts';
import type { Task } from '../domain/task.ts';
import type { Executor } from '../store/executors.ts';
import { text, type LocalizedText } from '../protocol/messages/index.ts';

function supports(executor: Executor, task: Task): boolean {
  if (task.type === 'handler') {
    const handler = (task.spec as { handler: string }).handler;
    return executor.runners.includes(`handler:${handler}`) || executor.runners.includes('handler:*');
  }
  return executor.runners.includes(task.type);
}

/** The task's named executor entry for this executor, matched by id or name. */
function namedRef(task: Task, executor: Executor) {
  return task.executors.find((ref) => ref.executor === executor.id || ref.executor === executor.name);
}

export function eligibleCandidates(task: Task, executors: Executor[], load: Map<string, number>): Candidate[] {
  const candidates: Candidate[] = [];
  for (const executor of executors) {
    const ref = namedRef(task, executor);
    if (task.executors.length > 0 && !ref) continue;
    if (!supports(executor, task) || !labelsMatch(task.executorLabels, executor.labels)) continue;
    const running = load.get(executor.id) ?? 0;
    if (running >= executor.capacity) continue;
    candidates.push({ id: executor.id, name: executor.name, capacity: executor.capacity, running, weight: ref?.weight ?? 1, priority: ref?.priority ?? 0 });
  }
  return candidates;
}

/** Why no executor can take the task's runs now (stored on a waiting run in English; warnings are worded per request). */
export function noExecutorReason(task: Task, executors: Executor[]): LocalizedText {
  if (executors.length === 0) return text('executor.noneOnline');
  const named = task.executors.length > 0 ? executors.filter((executor) => namedRef(task, executor)) : executors;
  if (named.length === 0) return text('executor.noneNamed', { names: task.executors.map((ref) => ref.executor).join(', ') });
  const capable = named.filter((executor) => supports(executor, task));
  if (capable.length === 0) {
    return task.type === 'handler' ? text('executor.noHandler', { handler: (task.spec as { handler: string }).handler }) : text('executor.noRunner', { type: task.type });
  }
  const matching = capable.filter((executor) => labelsMatch(task.executorLabels, executor.labels));
  if (matching.length === 0) return text('executor.noLabels', { labels: JSON.stringify(task.executorLabels) });
  return text('executor.atCapacity');
}

/**
 * What may keep a task from running, said in every task answer: no online executor could
 * take its runs (capacity aside). Empty when one could.
 */
export function taskWarnings(task: Task, executors: Executor[]): LocalizedText[] {
  const online = executors.filter((executor) => executor.status === 'online' && executor.isHealthy);
  if (eligibleCandidates(task, online, new Map()).length > 0) return [];
  const reason = task.type === 'handler' && online.length === 0 ? text('executor.noHandlerYet', { handler: (task.spec as { handler: string }).handler }) : noExecutorReason(task, online);
  return [text('task.warning.noExecutor', { reason, seconds: task.dispatchTimeoutSeconds })];
}
