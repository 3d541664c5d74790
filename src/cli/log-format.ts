// How the server and the agent write their logs (log_format / --log-format): JSON lines
// for log collectors, readable text for a person at a terminal; `auto` picks text when
// the output is a terminal. The text form is one line per record, the time, the level,
// the message and then the record's fields as key=value, an error's stack indented below.
import type { Logger } from 'pino';
import type { LogFormat } from '../config/values.ts';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** json or pretty, `auto` resolved against the stream the log goes to. */
export function resolvedLogFormat(format: LogFormat, output: { isTTY?: boolean } = process.stdout): 'json' | 'pretty' {
  if (format !== 'auto') return format;
  return output.isTTY ? 'pretty' : 'json';
}

/** The server's logger, writing to stdout in the chosen format (pino is loaded here: client commands never pay for it). */
export async function serverLogger(level: Level, format: LogFormat): Promise<Logger> {
  const { default: pino } = await import('pino');
  if (resolvedLogFormat(format) === 'json') return pino({ level });
  return pino({ level }, { write: (line: string) => void process.stdout.write(prettyLine(JSON.parse(line) as Record<string, unknown>)) });
}

const levelNames: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** pino's own fields, said in the line's head (or left out). */
const headFields = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err']);

/** One pino record as a line a person reads. */
export function prettyLine(record: Record<string, unknown>): string {
  const time = typeof record.time === 'number' ? new Date(record.time).toISOString() : '';
  const level = (levelNames[Number(record.level)] ?? String(record.level)).padEnd(5);
  const fields = Object.entries(record)
    .filter(([key]) => !headFields.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`);
  const err = record.err as { message?: string; stack?: string } | undefined;
  const stack = err ? `\n    ${(err.stack ?? err.message ?? JSON.stringify(err)).split('\n').join('\n    ')}` : '';
  return `${time} ${level} ${typeof record.msg === 'string' ? record.msg : JSON.stringify(record.msg ?? '')}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}${stack}\n`;
}

/** The agent's log: a line per note to stderr, JSON or text. */
export function agentLog(format: LogFormat): (level: 'info' | 'warn' | 'error', message: string) => void {
  if (resolvedLogFormat(format, process.stderr) === 'json') {
    return (level, message) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message })}\n`);
  }
  return (level, message) => process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}\n`);
}
