// `cronfleet crontab import FILE|-`: a user crontab (5 time fields, then the command) or a
// system crontab (a user column before the command) turned into task documents, and applied
// as `cronfleet apply` does (task-documents.ts): names are derived from the line, so a second
// import of the same crontab finds every task already there and changes nothing.
//
// What crontab(5) says, and how it is carried over:
//   NAME=value       sets the environment of the lines after it (quotes stripped); SHELL runs
//                    the following commands through that shell, CRON_TZ sets their time zone;
//                    MAILTO and MAILFROM have no equivalent (alerts go through channels).
//   @daily & co.     the five fields they stand for; @reboot has no equivalent.
//   %                an unescaped % ends the command: the rest is its standard input, each
//                    further unescaped % a newline (given here as a here-document); \% is a %.
//   # comment        the comment lines right above a line describe its task.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { Command } from 'commander';
import { cronNicknames } from '../protocol/enums.ts';
import { CliError } from './cli-error.ts';
import { say } from './cli-messages.ts';
import { readInput } from './format.ts';
import { carryOut, documentsText, normalizedDefinition, planApply, planText, storedTasks, type TaskBody, type TaskDocument } from './task-documents.ts';
import { addClientOptions, client } from './task-commands.ts';

/** A line that did not become a task, and why. */
export interface SkippedLine {
  line: number;
  text: string;
  reason: string;
}

export interface CrontabOptions {
  source: string;
  /** A system crontab: a user column between the time fields and the command. */
  system: boolean;
  /** The time zone of lines before any CRON_TZ (the crontab's machine's own, by default). */
  timezone: string;
  tags: string[];
}

const ENVIRONMENT_LINE = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

function unquote(value: string): string {
  const trimmed = value.trim();
  const quote = trimmed[0];
  if ((quote === '"' || quote === "'") && trimmed.length >= 2 && trimmed.endsWith(quote)) return trimmed.slice(1, -1);
  return trimmed;
}

/** crontab(5)'s % rule: the command, and its standard input (null when the line has no unescaped %). */
export function splitPercent(command: string): { command: string; input: string | null } {
  let before = '';
  let after: string | null = null;
  for (let index = 0; index < command.length; index++) {
    const char = command[index]!;
    let piece = char;
    if (char === '\\' && command[index + 1] === '%') {
      piece = '%';
      index++;
    } else if (char === '%') {
      if (after === null) {
        after = '';
        continue;
      }
      piece = '\n';
    }
    if (after === null) before += piece;
    else after += piece;
  }
  return { command: before, input: after };
}

/** The command with its standard input given as a here-document, quoted so the shell expands nothing in it. */
function withInput(command: string, input: string | null): string {
  if (input === null) return command;
  let marker = 'CRONTAB_INPUT';
  while (input.split('\n').includes(marker)) marker += '_';
  return `${command} <<'${marker}'\n${input}\n${marker}`;
}

/** A stable name: the program's base name and a hash of the line's schedule, user and command. */
function derivedName(schedule: string, user: string | null, command: string): string {
  const hash = createHash('sha256')
    .update(`${schedule}\n${user ?? ''}\n${command}`)
    .digest('hex')
    .slice(0, 8);
  const program = basename(command.trim().split(/\s+/)[0] ?? 'command')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 40);
  return `cron-${program || 'command'}-${hash}`;
}

export function translateCrontab(text: string, options: CrontabOptions): { documents: TaskDocument[]; skipped: SkippedLine[] } {
  const documents: TaskDocument[] = [];
  const skipped: SkippedLine[] = [];
  const environment: Record<string, string> = {};
  let shell: string | null = null;
  let timezone = options.timezone;
  let comments: string[] = [];
  const fieldCount = options.system ? 6 : 5;
  const lineShape = new RegExp(`^${'(\\S+)\\s+'.repeat(fieldCount)}(.*)$`);

  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '') {
      comments = [];
      return;
    }
    if (trimmed.startsWith('#')) {
      comments.push(trimmed.replace(/^#+\s?/, ''));
      return;
    }
    const description = comments.join('\n');
    comments = [];
    const skip = (reason: string) => skipped.push({ line, text: trimmed, reason });

    const assignment = ENVIRONMENT_LINE.exec(trimmed);
    if (assignment) {
      const [, name, value] = assignment as unknown as [string, string, string];
      if (name === 'MAILTO' || name === 'MAILFROM') return void skip(say('crontab.mail'));
      if (name === 'SHELL') shell = unquote(value) === '/bin/sh' ? null : unquote(value);
      else if (name === 'CRON_TZ') timezone = unquote(value);
      else environment[name] = unquote(value);
      return;
    }

    let schedule: string;
    let rest: string;
    if (trimmed.startsWith('@')) {
      const [nickname = '', ...words] = trimmed.split(/\s+/);
      if (nickname.toLowerCase() === '@reboot') return void skip(say('crontab.reboot'));
      const fields = cronNicknames[nickname.toLowerCase()];
      if (fields === undefined) return void skip(say('crontab.nickname', { nickname }));
      schedule = fields;
      rest = trimmed.slice(nickname.length).trim();
      if (words.length === 0) rest = '';
    } else {
      const match = lineShape.exec(trimmed);
      if (!match) return void skip(say(options.system ? 'crontab.shapeSystem' : 'crontab.shapeUser'));
      schedule = match.slice(1, 6).join(' ');
      rest = options.system ? `${match[6]} ${match[7]}` : match[6]!;
    }
    let user: string | null = null;
    if (options.system) {
      const [first = '', ...others] = rest.split(/\s+/);
      user = first;
      rest = rest.slice(first.length).trim();
      if (others.length === 0) rest = '';
    }
    if (rest === '') return void skip(say('crontab.noCommand'));

    const { command, input } = splitPercent(rest);
    const script = withInput(command, input);
    const body: TaskBody = {
      name: derivedName(schedule, user, rest),
      // Not worded per language: a description that followed the locale would change on the next import.
      description: description !== '' ? description : `crontab: ${trimmed}`,
      tags: [...options.tags, ...(user !== null ? [`cron-user:${user}`] : [])],
      cron_expression: schedule,
      timezone,
      type: 'command',
      ...(shell !== null ? { command: shell, args: ['-c', script] } : { command: script, shell: true }),
      ...(Object.keys(environment).length > 0 ? { env: { ...environment } } : {}),
    };
    try {
      normalizedDefinition(body, `${options.source}:${line}`); // an expression or time zone the server would refuse
    } catch (error) {
      if (error instanceof CliError) return void skip(error.message.replace(`${options.source}:${line}: `, ''));
      throw error;
    }
    const same = documents.find((document) => document.body.name === body.name);
    if (same) return void skip(say('crontab.duplicate', { source: same.source }));
    documents.push({ source: `${options.source}:${line}`, body });
  });
  return { documents, skipped };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function crontabCommand(): Command {
  const crontab = new Command('crontab').description('move crontab lines to cronfleet tasks');
  addClientOptions(crontab.command('import <file>'))
    .description("create a task for each line of a crontab ('-' reads stdin); importing it again changes nothing")
    .option('--system', 'a system crontab (/etc/crontab, /etc/cron.d/*): a user column before the command (the default for those paths)')
    .option('--timezone <iana>', "time zone of the lines before a CRON_TZ= line (default: this machine's)")
    .option('--tag <tag>', 'tag every task with this (repeat; default crontab)', collect)
    .option('--dry-run', 'only print the tasks, as YAML documents `cronfleet apply` takes, each marked create or unchanged')
    .addHelpText(
      'after',
      "\nA task is named cron-<program>-<hash of the line>, tagged crontab, and runs its command through /bin/sh\n(or the crontab's SHELL). @reboot, MAILTO and lines it cannot read are listed on stderr, not imported.\n\nExample:\n  crontab -l | cronfleet crontab import - --dry-run\n  cronfleet crontab import /etc/cron.d/backup --timezone Europe/Berlin",
    )
    .action(async (file: string, options: { system?: boolean; timezone?: string; tag?: string[]; dryRun?: boolean }, command: Command) => {
      const timezone = options.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
      try {
        new Intl.DateTimeFormat('en', { timeZone: timezone });
      } catch {
        throw new CliError(say('crontab.timezone', { timezone }), 2);
      }
      const text = await readInput(file).catch((error: Error) => {
        throw new CliError(say('input.unreadable', { path: file, problem: error.message }), 2);
      });
      const system = options.system ?? (file === '/etc/crontab' || file.startsWith('/etc/cron.d/'));
      const source = file === '-' ? 'stdin' : file;
      const { documents, skipped } = translateCrontab(text, { source, system, timezone, tags: options.tag ?? ['crontab'] });
      if (skipped.length > 0) {
        process.stderr.write(`${say('crontab.skippedHeader', { count: skipped.length })}\n${skipped.map((item) => `  ${source}:${item.line}: ${item.text}\n      ${item.reason}\n`).join('')}`);
      }
      const api = client(command);
      const steps = planApply(documents, await storedTasks(api));
      if (options.dryRun) {
        const texts = await Promise.all(steps.map(async (step, index) => `# ${say(`apply.action.${step.action}`)}: ${step.source}\n${await documentsText([documents[index]!.body], 'yaml')}`));
        process.stdout.write(texts.join('---\n'));
        process.stderr.write(planText(steps).split('\n').slice(-2).join('\n'));
        return;
      }
      const outcomes = await carryOut(api, steps);
      process.stdout.write(planText(steps, outcomes));
      if (outcomes.some((outcome) => outcome.error !== null)) process.exitCode = 1;
    });
  return crontab;
}
