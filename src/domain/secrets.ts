// Secret values of a task: the three forms a secret takes, and walking, sealing and
// masking them. Pure: the cipher itself is in store/secret-cipher.ts.
import { CronfleetError } from '../protocol/errors.ts';
import { text, type LocalizedText } from '../protocol/messages/index.ts';
import type { KeptSecret, SecretValue } from './secret-values.ts';
import type { TaskDefinition, TaskSpec } from './task-definition.ts';

export type { SecretValue } from './secret-values.ts';

//
// A value in `parameters` (at any depth), in command/script/docker `env` or in
// `http.headers` is secret when written {"secret":"<value>"}. A secret has three forms:
//   {"secret":"<value>"}  a new value, as a client sends it (it never reaches storage);
//   {"secret":true}       the placeholder every read shows instead of the value; sent
//                         back in an update or trigger it keeps the stored value;
//   {"$sealed":"v1:…"}    the stored form: ciphertext only (store/secret-cipher.ts).
// The value is opened only into the run message an executor receives.

/** What every read shows in place of a secret. */
export const SECRET_PLACEHOLDER: KeptSecret = Object.freeze({ secret: true as const });
/** What replaces a secret's value in logs, results and errors. */
export const SECRET_MASK = '******';

/** True for the three forms above: an object with that one key, of the right type. */
export function isSecretValue(value: unknown): value is SecretValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== 1) return false;
  const entry = (value as Record<string, unknown>)[keys[0]!];
  if (keys[0] === 'secret') return (typeof entry === 'string' && entry !== '') || entry === true;
  return keys[0] === '$sealed' && typeof entry === 'string';
}

/** Rejects malformed secrets (and the stored form, which clients never send) in a JSON value. */
export function assertSecretShapes(field: string, value: unknown): void {
  if (Array.isArray(value)) return value.forEach((item, index) => assertSecretShapes(`${field}[${index}]`, item));
  if (typeof value !== 'object' || value === null) return;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'secret' && !isSecretValue(value)) throw invalid(field, text('task.secretShape'));
  if (keys.includes('$sealed')) throw invalid(field, text('task.sealedReserved'));
  for (const [key, entry] of Object.entries(value)) assertSecretShapes(`${field}.${key}`, entry);
}

/** Validates trigger parameter overrides the way a task's parameters are validated. */
export function assertParameterSecrets(parameters: Record<string, unknown>): void {
  assertSecretShapes('parameters', parameters);
}

type SecretReplacer = (secret: SecretValue, path: string[]) => unknown;

/** A copy of a JSON value with every secret replaced; `path` names where it sits. */
export function mapSecrets(value: unknown, replace: SecretReplacer, path: string[] = []): unknown {
  if (isSecretValue(value)) return replace(value, path);
  if (Array.isArray(value)) return value.map((item, index) => mapSecrets(item, replace, [...path, String(index)]));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, mapSecrets(entry, replace, [...path, key])]));
}

/** A copy of a definition with every secret (parameters, env, headers) replaced. Paths are wire paths. */
export function withSecrets<T extends TaskDefinition>(definition: T, replace: SecretReplacer): T {
  const parameters = mapSecrets(definition.parameters, replace, ['parameters']) as Record<string, unknown>;
  const spec = definition.spec as unknown as Record<string, unknown>;
  let mapped: TaskSpec = definition.spec;
  if ('env' in spec) {
    const field = definition.type === 'command' ? ['env'] : [definition.type, 'env'];
    mapped = { ...definition.spec, env: mapSecrets(spec.env, replace, field) } as TaskSpec;
  } else if ('headers' in spec) {
    mapped = { ...definition.spec, headers: mapSecrets(spec.headers, replace, ['http', 'headers']) } as TaskSpec;
  }
  return { ...definition, parameters, spec: mapped };
}

/** The sealed values of a definition, by wire path (the JSON of the path). */
export function sealedSecrets(definition: TaskDefinition): Map<string, string> {
  const found = new Map<string, string>();
  withSecrets(definition, collectSealed(found));
  return found;
}

/** The sealed values of a parameters object (an execution's; or any JSON object), by wire path. */
export function sealedParameters(parameters: Record<string, unknown>): Map<string, string> {
  const found = new Map<string, string>();
  mapSecrets(parameters, collectSealed(found), ['parameters']);
  return found;
}

function collectSealed(found: Map<string, string>): SecretReplacer {
  return (secret, path) => {
    if ('$sealed' in secret) found.set(JSON.stringify(path), secret.$sealed);
    return secret;
  };
}

/**
 * Replaces every occurrence of each secret value in a text. With `edges`, a text that
 * ends with the start of a secret or starts with its end (a value split across two log
 * chunks) has that part masked too, when it is at least `edges` characters long; a
 * shorter split shows at most edges−1 characters of the value.
 */
export function maskSecretText(text: string, plaintexts: readonly string[], edges = 0): string {
  let masked = text;
  const values = plaintexts.filter((value) => value !== '').sort((a, b) => b.length - a.length);
  for (const value of values) masked = masked.split(value).join(SECRET_MASK);
  if (edges <= 0) return masked;
  for (const value of values) {
    for (let length = Math.min(value.length - 1, masked.length); length >= edges; length--) {
      if (masked.endsWith(value.slice(0, length))) {
        masked = masked.slice(0, masked.length - length) + SECRET_MASK;
        break;
      }
    }
    for (let length = Math.min(value.length - 1, masked.length); length >= edges; length--) {
      if (masked.startsWith(value.slice(value.length - length))) {
        masked = SECRET_MASK + masked.slice(length);
        break;
      }
    }
  }
  return masked;
}

/** Masks secret values in every string of a JSON value (an execution's result). */
export function maskSecretJson(value: unknown, plaintexts: readonly string[]): unknown {
  if (plaintexts.length === 0) return value;
  if (typeof value === 'string') return maskSecretText(value, plaintexts);
  if (Array.isArray(value)) return value.map((item) => maskSecretJson(item, plaintexts));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [maskSecretText(key, plaintexts), maskSecretJson(entry, plaintexts)]));
}

/** A task definition error that names its field. */
export function invalid(field: string, problem: LocalizedText, value?: unknown): CronfleetError {
  return new CronfleetError('invalid_task', text('field.problem', { field, problem }), { field, ...(value === undefined ? {} : { value }) });
}
