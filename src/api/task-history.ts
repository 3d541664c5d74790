// A task's versions as the audit log recorded them: each task.update entry keeps the task
// before and after (as the API showed it, so secrets are {"secret":true}); the history
// answers the fields that changed, old and new.
import type { TaskHistoryEntryResponse } from '../protocol/rest-responses.ts';
import type { TaskHistoryEntry } from '../store/task-activity.ts';
import { iso } from './dto.ts';

/** Fields that move on their own or follow from the action: not part of a definition change. */
const notDefinition = new Set(['id', 'version', 'status', 'created_at', 'updated_at', 'next_fire_at', 'last_fire_at', 'warnings', 'error', 'recent_executions', 'reason']);

export function taskHistoryEntryToWire(entry: TaskHistoryEntry): TaskHistoryEntryResponse {
  const after = asObject(entry.after);
  const before = asObject(entry.before);
  const version = typeof after?.version === 'number' ? after.version : typeof before?.version === 'number' ? before.version : null;
  return { id: entry.id, at: iso(entry.at), actor: entry.actor, action: entry.action, version, changes: entry.action === 'task.update' && before && after ? fieldChanges(before, after) : [] };
}

function fieldChanges(before: Record<string, unknown>, after: Record<string, unknown>): TaskHistoryEntryResponse['changes'] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((field) => !notDefinition.has(field)).sort();
  return fields.filter((field) => canonical(before[field]) !== canonical(after[field])).map((field) => ({ field, before: before[field] ?? null, after: after[field] ?? null }));
}

function asObject(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** JSON with object keys sorted, so {a,b} and {b,a} compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, inner: unknown) => {
    const object = asObject(inner);
    return object
      ? Object.fromEntries(
          Object.keys(object)
            .sort()
            .map((key) => [key, object[key]]),
        )
      : inner;
  });
}
