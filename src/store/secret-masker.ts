// The values to mask in what an execution reports (its result, error and log): the opened
// values of its task's secrets (env, headers, parameters) and of its own parameters'. The
// masking itself is domain/secrets.ts (maskSecretText, maskSecretJson); this opens the
// values with the cipher it is given, never a process-global key.
import { sealedParameters, sealedSecrets } from '../domain/secrets.ts';
import type { Task } from '../domain/task.ts';
import type { SecretOpener } from './secret-cipher.ts';

/** Task versions whose opened values are kept (bounded; memory only). */
const TASK_VERSIONS_CACHED = 1000;

export class SecretMasker {
  readonly #cipher: SecretOpener;
  /** Opened values by task id and version: a task's secrets change only with its version. */
  readonly #taskValues = new Map<string, string[]>();

  constructor(cipher: SecretOpener) {
    this.#cipher = cipher;
  }

  /** The values to mask in an execution's reports: its task's (if known) and its parameters'. */
  valuesOf(task: Task | null, parameters: Record<string, unknown>): string[] {
    const own = this.open(sealedParameters(parameters).values());
    return task ? [...this.#ofTask(task), ...own] : own;
  }

  /** Opens sealed values (the stored form of a secret). */
  open(sealed: Iterable<string>): string[] {
    return [...sealed].map((value) => this.#cipher.open(value));
  }

  #ofTask(task: Task): string[] {
    const key = `${task.id}@${task.version}`;
    let values = this.#taskValues.get(key);
    if (!values) {
      values = this.open(sealedSecrets(task).values());
      if (this.#taskValues.size >= TASK_VERSIONS_CACHED) this.#taskValues.delete(this.#taskValues.keys().next().value!);
      this.#taskValues.set(key, values);
    }
    return values;
  }
}
