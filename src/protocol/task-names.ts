// What a task name may be, shared by the server, the CLI and the web form. Names address
// tasks (the CLI's `cronfleet task run <name>`, search, the audit log), so they may use the
// letters and digits of any script (数据同步任务, Überweisung, backup-2) and the few
// punctuation marks that read the same everywhere, but nothing that breaks a URL path
// segment, a shell argument or a terminal: no slashes, control, format or zero-width
// characters, no leading or trailing spaces, no other symbols. A name is stored composed
// (NFC), so two spellings of the same text (a decomposed "é" and a composed one) are one name.

/** Longest name, in characters (code points) after composing. */
export const TASK_NAME_MAX_LENGTH = 128;

// First a letter or digit; then letters, combining marks, digits, spaces and _ . : -; never a space last.
const TASK_NAME = /^[\p{L}\p{N}](?:[\p{L}\p{M}\p{N}_.: -]*[\p{L}\p{M}\p{N}_.:-])?$/u;

/** The stored form of a name a client sent: composed (NFC); nothing else changes. */
export function normalizeTaskName(raw: string): string {
  return raw.normalize('NFC');
}

/** True when a (normalised) name follows the rule above. */
export function isTaskName(name: string): boolean {
  return TASK_NAME.test(name) && [...name].length <= TASK_NAME_MAX_LENGTH;
}
