// Tasks as code: task documents read from YAML or JSON, compared with the stored tasks,
// and the plan that makes the server match them (`cronfleet apply`, `export`, `crontab import`).
//
// A document is a task as `task create` takes it. The comparison normalises both sides with
// the server's own parser (domain/task.ts: defaults filled in, the type inferred), so a file
// that names only some fields equals the stored task that holds their defaults, and applying
// a file twice sends nothing the second time: no update, no new task version.
//
// A document is the whole definition: a field it leaves out takes its default, as on create
// (a PUT alone would keep the stored value). `status` is the exception: the task's state, not
// its definition, left as it is unless the document names it.
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { isSecretValue, mapSecrets } from '../domain/secrets.ts';
import { definitionToWire, parseTaskDefinition } from '../domain/task.ts';
import { isCronfleetError } from '../protocol/errors.ts';
import { CliError } from './cli-error.ts';
import { messageLocale, say } from './cli-messages.ts';
import type { ApiClient } from './client.ts';
import { readInput, yamlText } from './format.ts';
import { withoutReadOnlyFields } from './task-commands.ts';

export type TaskBody = Record<string, unknown>;

export interface TaskDocument {
  /** Where it was read: `file`, or `file#3` for the third of several. */
  source: string;
  body: TaskBody;
}

/** A task as the API answers it. */
export interface StoredTask extends TaskBody {
  id: string;
  name: string;
  status: string;
  version: number;
}

// Reading ------------------------------------------------------------------------------

const documentExtensions = new Set(['.yaml', '.yml', '.json']);

/** The task documents of FILE, of every .yaml, .yml and .json file in DIR (by name), or of standard input ('-'). */
export async function readTaskDocuments(path: string): Promise<TaskDocument[]> {
  let files = [path];
  if (path !== '-') {
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(say('input.unreadable', { path, problem: error.message }), 2);
    });
    if (info.isDirectory()) {
      files = (await readdir(path))
        .filter((name) => documentExtensions.has(extname(name).toLowerCase()))
        .sort()
        .map((name) => join(path, name));
      if (files.length === 0) throw new CliError(say('apply.emptyDirectory', { path }), 2);
    }
  }
  const documents: TaskDocument[] = [];
  for (const file of files) {
    const text = await readInput(file).catch((error: Error) => {
      throw new CliError(say('input.unreadable', { path: file, problem: error.message }), 2);
    });
    documents.push(...(await parseTaskDocuments(text, file === '-' ? 'stdin' : file)));
  }
  return documents;
}

/** One task, a list of tasks, or several YAML documents of either (JSON is YAML too). */
async function parseTaskDocuments(text: string, source: string): Promise<TaskDocument[]> {
  const { parseAllDocuments } = await import('yaml');
  const parsed = parseAllDocuments(text);
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  const values: unknown[] = [];
  for (const document of documents) {
    const problem = document.errors[0];
    if (problem) throw new CliError(say('apply.notYaml', { source, problem: problem.message }), 2);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue; // an empty document, as after a trailing ---
    values.push(...(Array.isArray(value) ? (value as unknown[]) : [value]));
  }
  return values.map((value, index) => {
    const where = values.length > 1 ? `${source}#${index + 1}` : source;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError(say('apply.notATask', { source: where }), 2);
    return { source: where, body: withoutReadOnlyFields(value as TaskBody) };
  });
}

// Normalising --------------------------------------------------------------------------

/** The definition a body describes, in wire form with every default filled in (as the server would store it). */
export function normalizedDefinition(body: TaskBody, source: string): TaskBody {
  const definition = { ...body };
  delete definition.status;
  try {
    return definitionToWire(parseTaskDefinition(definition));
  } catch (error) {
    if (isCronfleetError(error)) throw new CliError(`${source}: ${error.text ? error.text.in(messageLocale()) : error.message}`, 2);
    throw error;
  }
}

/** The field that holds a type's own definition: exported whole. */
const specField: Record<string, string> = { command: 'command', script: 'script', http: 'http', docker: 'docker', handler: 'handler' };

/**
 * The document `export` writes for a stored task: its definition without the fields that
 * hold their defaults (applying it gives them back), `status` only when paused. Secrets
 * stay as the API shows them, {"secret":true}: applied, that keeps the stored value.
 */
export function exportDocument(task: StoredTask): TaskBody {
  // The server could not read this definition: the fields it answered are not the task.
  const unreadable = task.error as { message?: string } | undefined;
  if (unreadable !== undefined) throw new CliError(unreadable.message ?? 'unreadable_task');
  const full = normalizedDefinition(withoutReadOnlyFields(task), task.name);
  const type = String(full.type);
  const main = specField[type]!;
  const defaults = normalizedDefinition({ name: full.name, type, [main]: full[main] }, task.name);
  const document: TaskBody = {};
  for (const [key, value] of Object.entries(full)) {
    // A handler task's handler defaults to its name: written only when it differs.
    const kept = key === 'name' || key === 'type' || (key === main && type !== 'handler');
    if (kept || !isDeepStrictEqual(value, defaults[key])) document[key] = value;
  }
  // A default that depends on another field (retry_backoff_max_seconds on retry_backoff_seconds)
  // could come back otherwise: then the whole definition is written.
  const exact = isDeepStrictEqual(normalizedDefinition(document, task.name), full) ? document : full;
  return task.status === 'paused' ? { ...exact, status: 'paused' } : exact;
}

/** Documents as the file `export` writes: YAML documents separated by ---, or a JSON array. */
export async function documentsText(documents: TaskBody[], format: 'yaml' | 'json'): Promise<string> {
  if (format === 'json') return `${JSON.stringify(documents, null, 2)}\n`;
  return (await Promise.all(documents.map((document) => yamlText(document)))).join('---\n');
}

// Stored tasks -------------------------------------------------------------------------

/** Every task, or those carrying `tag`, by name. */
export async function storedTasks(api: ApiClient, tag?: string): Promise<Map<string, StoredTask>> {
  const byName = new Map<string, StoredTask>();
  for (let page = 1; ; page++) {
    const query = new URLSearchParams({ page: String(page), page_size: '1000', sort: 'name' });
    if (tag !== undefined) query.set('tag', tag);
    const answer = await api.request<{ items: StoredTask[]; total: number }>('GET', `/tasks?${query.toString()}`);
    for (const task of answer.items) byName.set(task.name, task);
    if (answer.items.length === 0 || page * 1000 >= answer.total) return byName;
  }
}

/** `--selector tag=KEY`: the tag. */
export function selectorTag(selector: string | undefined): string | undefined {
  if (selector === undefined) return undefined;
  const match = /^tag=(.+)$/.exec(selector);
  if (!match) throw new CliError(say('apply.selector', { selector }), 2);
  return match[1]!;
}

// Planning -----------------------------------------------------------------------------

interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface PlanStep {
  action: 'create' | 'update' | 'unchanged' | 'delete';
  name: string;
  source: string | null;
  /** What a create or an update sends. */
  body: TaskBody | null;
  /** The stored task an update, unchanged or delete is about. */
  stored: StoredTask | null;
  changes: FieldChange[];
}

/**
 * What applying `documents` does to `stored` (every task by name); with `prune`, the tasks
 * carrying that tag that no document names are deleted.
 */
export function planApply(documents: TaskDocument[], stored: Map<string, StoredTask>, options: { prune?: { tag: string }; updateSecrets?: boolean } = {}): PlanStep[] {
  const { prune, updateSecrets = false } = options;
  const steps: PlanStep[] = [];
  const named = new Map<string, string>();
  for (const document of documents) {
    const desired = normalizedDefinition(document.body, document.source);
    const name = String(desired.name);
    const twice = named.get(name);
    if (twice !== undefined) throw new CliError(say('apply.duplicate', { name, first: twice, second: document.source }), 2);
    named.set(name, document.source);
    const status = document.body.status as 'active' | 'paused' | undefined;
    if (status !== undefined && status !== 'active' && status !== 'paused') throw new CliError(say('apply.status', { source: document.source, status: JSON.stringify(status) }), 2);
    const body = status === undefined ? desired : { ...desired, status };
    const task = stored.get(name);
    if (!task) {
      steps.push({ action: 'create', name, source: document.source, body, stored: null, changes: [] });
      continue;
    }
    const changes = fieldChanges(task, desired, status, updateSecrets);
    steps.push({ action: changes.length > 0 ? 'update' : 'unchanged', name, source: document.source, body: changes.length > 0 ? body : null, stored: task, changes });
  }
  if (prune) {
    for (const task of stored.values()) {
      if (!named.has(task.name) && Array.isArray(task.tags) && task.tags.includes(prune.tag)) steps.push({ action: 'delete', name: task.name, source: null, body: null, stored: task, changes: [] });
    }
  }
  return steps;
}

/**
 * The fields whose stored value differs from the desired one (a task this version cannot
 * read differs in all). No read shows a secret's value, so a new value cannot be compared
 * with the stored one: where the task holds a secret at the same place, the document's
 * value counts as the same unless `updateSecrets` (else every apply of a file holding a
 * secret's value would make a new version). It is still sent when the task changes otherwise.
 */
function fieldChanges(task: StoredTask, desired: TaskBody, status: string | undefined, updateSecrets: boolean): FieldChange[] {
  let current: TaskBody = {};
  try {
    if (task.error === undefined) current = normalizedDefinition(withoutReadOnlyFields(task), task.name);
  } catch {
    // What the server answered does not parse here (another version): every field is a change.
  }
  const changes: FieldChange[] = [];
  const storedSecretAt = (path: string[]) => isSecretValue(path.reduce<unknown>((value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined), current));
  for (const field of new Set([...Object.keys(current), ...Object.keys(desired)])) {
    const compared = updateSecrets ? desired[field] : mapSecrets(desired[field], (secret, path) => (storedSecretAt(path) ? { secret: true } : secret), [field]);
    if (!isDeepStrictEqual(current[field], compared)) changes.push({ field, from: current[field], to: desired[field] });
  }
  if (status !== undefined && status !== task.status) changes.push({ field: 'status', from: task.status, to: status });
  return changes;
}

// Carrying out -------------------------------------------------------------------------

export interface ApplyOutcome {
  step: PlanStep;
  error: string | null;
}

/** Creates, updates and deletes as planned, one by one; a refusal is recorded and the rest still done. */
export async function carryOut(api: ApiClient, steps: PlanStep[]): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  for (const step of steps) {
    try {
      if (step.action === 'create') await api.request('POST', '/tasks', step.body);
      else if (step.action === 'update') await api.request('PUT', `/tasks/${step.stored!.id}`, step.body);
      else if (step.action === 'delete') await api.request('DELETE', `/tasks/${step.stored!.id}`);
      outcomes.push({ step, error: null });
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      outcomes.push({ step, error: error.message });
    }
  }
  return outcomes;
}

// Printing -----------------------------------------------------------------------------

/** A value with the new secret values in it masked: a plan never shows one. */
const masked = (value: unknown) => mapSecrets(value, (secret) => ('secret' in secret && secret.secret !== true ? { secret: '******' } : secret));

/** A value in a diff line: compact JSON, secrets masked, long ones cut. */
function shown(value: unknown): string {
  if (value === undefined) return '-';
  const text = JSON.stringify(masked(value));
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/**
 * The plan (or what was done) for a script: each step with its action, the task, the
 * document it came from, the changed fields (old and new values, secrets masked; a field
 * absent on one side is null) and, once carried out, its error or null.
 */
export function planReport(steps: PlanStep[], outcomes?: ApplyOutcome[]): Record<string, unknown> {
  return {
    done: outcomes !== undefined,
    steps: steps.map((step, index) => ({
      action: step.action,
      name: step.name,
      source: step.source,
      changes: step.changes.map((change) => ({ field: change.field, from: masked(change.from) ?? null, to: masked(change.to) ?? null })),
      ...(outcomes ? { error: outcomes[index]?.error ?? null } : {}),
    })),
  };
}

/** The plan, one line per task and one per changed field; done: in the past tense, with failures. */
export function planText(steps: PlanStep[], outcomes?: ApplyOutcome[]): string {
  const lines: string[] = [];
  const counts = { create: 0, update: 0, unchanged: 0, delete: 0, failed: 0 };
  steps.forEach((step, index) => {
    const error = outcomes?.[index]?.error ?? null;
    if (error !== null) {
      counts.failed++;
      lines.push(`${say('apply.failed', { action: say(`apply.action.${step.action}`) })} ${step.name}: ${error}`);
      return;
    }
    counts[step.action]++;
    lines.push(`${say(outcomes ? `apply.done.${step.action}` : `apply.action.${step.action}`).padEnd(10)} ${step.name}`);
    for (const change of step.changes) lines.push(`    ${change.field}: ${shown(change.from)} -> ${shown(change.to)}`);
  });
  lines.push(say(outcomes ? 'apply.summary.done' : 'apply.summary.plan', counts));
  return `${lines.join('\n')}\n`;
}
