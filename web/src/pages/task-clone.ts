// Clone a task: the new-task form filled with a copy. The copy is paused (two copies of a
// schedule should not both fire before someone looks), its name gets "-copy", and secrets
// must be typed again: a read shows them as {"secret":true}, which a new task cannot keep.
import type { Task } from '../api/types.ts';
import { valuesFromTask, type TaskFormValues } from './task-form-values.ts';

export function cloneValues(task: Task): TaskFormValues {
  const values = valuesFromTask(task);
  const retype = (rows: TaskFormValues['env']) => rows.map((row) => (row.stored ? { ...row, stored: false, value: '' } : row));
  return { ...values, name: `${task.name}-copy`, status: 'paused', env: retype(values.env), http: { ...values.http, headers: retype(values.http.headers) } };
}
