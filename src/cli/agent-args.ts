// An agent's start without the full CLI: `cronfleet executor --server … --token …` is read
// here with Node's own parseArgs from the same option table (executor-options.ts), so the
// process that then runs for months never loads commander or the other commands' code
// (1.6 MB of an idle agent's RSS, issue 17). Anything this reader does not take as a plain
// agent start — a subcommand, --help, an unknown or malformed option — returns null, and
// the full CLI handles the call, with its usual help and usage errors.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import type { ExecutorFlags } from '../config/executor-settings.ts';
import { EXECUTOR_OPTIONS } from './executor-options.ts';

const FLAGS = /^(?:-(\w), )?--([a-z-]+)( <[^>]+>)?$/;

/** parseArgs' options, and each long name's key in the flags commander would give. */
function optionTable(): { options: ParseArgsOptionsConfig; keys: Map<string, string> } {
  const options: ParseArgsOptionsConfig = {};
  const keys = new Map<string, string>();
  for (const option of EXECUTOR_OPTIONS) {
    const [, short, long, value] = FLAGS.exec(option.flags) ?? [];
    if (!long) throw new Error(`executor option '${option.flags}' is not of the form -x, --name <value>`);
    options[long] = { type: value ? 'string' : 'boolean', ...(short ? { short } : {}), ...(option.repeatable ? { multiple: true } : {}) };
    keys.set(
      long,
      long.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()),
    );
  }
  return { options, keys };
}

/** The flags of a plain agent start (the arguments after `cronfleet`), or null for the full CLI to handle. */
export function agentStartFlags(args: readonly string[]): ExecutorFlags | null {
  if (args[0] !== 'executor') return null;
  const { options, keys } = optionTable();
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: args.slice(1), options, strict: true, allowPositionals: false }).values;
  } catch {
    return null;
  }
  const flags: Record<string, unknown> = {};
  for (const [long, value] of Object.entries(values)) flags[keys.get(long) ?? long] = value;
  return flags;
}
