// What the CLI prints: plain text tables, and every read command's -o table|json|yaml.
import { Option } from 'commander';
import { CliError } from './cli-error.ts';

export function table(rows: Array<Record<string, unknown>>, columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) => columns.map((column) => cell(row[column])));
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((line) => line[index]!.length)));
  const line = (values: string[]) =>
    values
      .map((value, index) => value.padEnd(widths[index]!))
      .join('  ')
      .trimEnd();
  return [line(columns.map((column) => column.toUpperCase())), ...cells.map(line)].join('\n');
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  // The API answers JSON: what is not a string, number or boolean is an object or an array.
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return JSON.stringify(value);
  const text = String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** One object as `key: value` lines, the keys aligned: the table form of a single item. */
export function fields(value: Record<string, unknown>): string {
  const keys = Object.keys(value);
  const width = Math.max(0, ...keys.map((key) => key.length));
  return keys.map((key) => `${`${key}:`.padEnd(width + 2)}${cell(value[key])}`).join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const outputFormats = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/** `-o, --output table|json|yaml`; `fallback` is the command's format when none is given. */
export function outputOption(fallback: OutputFormat): Option {
  return new Option('-o, --output <format>', `output format (default ${fallback})`).choices(outputFormats);
}

/** The format asked for: -o, else --json (the older spelling of -o json), else the command's default. */
export function outputFormat(options: { output?: string; json?: boolean }, fallback: OutputFormat): OutputFormat {
  if (options.output !== undefined && options.json && options.output !== 'json') throw new CliError(`--json and -o ${options.output} contradict each other`, 2);
  if (options.output !== undefined) return options.output as OutputFormat;
  return options.json ? 'json' : fallback;
}

/** YAML text of a JSON value; the parser is loaded only by a command that prints or reads YAML. */
export async function yamlText(value: unknown): Promise<string> {
  const { stringify } = await import('yaml');
  // No line folding: a long command or URL stays on one line, as a reader greps for it.
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Prints `value` as JSON or YAML, or `asTable()` for the table format. */
export async function printAs(format: OutputFormat, value: unknown, asTable: () => string): Promise<void> {
  if (format === 'json') return printJson(value);
  if (format === 'yaml') return void process.stdout.write(await yamlText(value));
  process.stdout.write(`${asTable()}\n`);
}

/**
 * A reader that stops early (`cronfleet task ls | head -1`) closes the pipe: the next write
 * fails with EPIPE. That is no failure of the command: exit quietly, with 0, the reader
 * having had what it wanted. Any other error on stdout is reported as a failure.
 */
export function exitQuietlyOnClosedStdout(): void {
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    process.stderr.write(`cronfleet: cannot write the output: ${error.message}\n`);
    process.exit(1);
  };
  process.stdout.on('error', onError);
}

/**
 * The text of FILE, or of standard input for '-'. Standard input is read as a stream:
 * readFileSync(0) fails with EAGAIN when the pipe it reads is non-blocking, as a pipe
 * from another Node process is.
 */
export async function readInput(path: string): Promise<string> {
  if (path !== '-') {
    const { readFile } = await import('node:fs/promises');
    return readFile(path, 'utf8');
  }
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk as string;
  return text;
}
