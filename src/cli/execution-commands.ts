// `cronfleet execution …`
import { Command, Option } from 'commander';
import { executionStatuses } from '../protocol/enums.ts';
import { fields, outputFormat, outputOption, printAs, table } from './format.ts';
import { addClientOptions, client, resolveTaskId } from './task-commands.ts';
import { CliError } from './cli-error.ts';
import { say } from './cli-messages.ts';

const columns = ['id', 'task_name', 'trigger', 'scheduled_time', 'status', 'attempt', 'duration_ms', 'exit_code', 'reason'];

export function executionCommand(): Command {
  const execution = addClientOptions(new Command('execution').description('inspect executions, read their logs, stop them'));

  execution
    .command('ls')
    .description('list executions, newest first')
    .option('--task <task>', 'only this task (id or name)')
    .addOption(new Option('--status <status>', 'only this status').choices(executionStatuses))
    .option('--page <n>', 'page number', '1')
    .option('--page-size <n>', 'executions per page', '20')
    .addOption(outputOption('table'))
    .option('--json', 'print JSON (the same as -o json)')
    .action(async (options: { task?: string; status?: string; page: string; pageSize: string; json?: boolean; output?: string }, command: Command) => {
      const format = outputFormat(options, 'table');
      const api = client(command);
      const query = new URLSearchParams({ page: options.page, page_size: options.pageSize });
      if (options.task) query.set('task_id', await resolveTaskId(api, options.task));
      if (options.status) query.set('status', options.status);
      const page = await api.request<{ items: Array<Record<string, unknown>>; total: number; page: number }>('GET', `/executions?${query.toString()}`);
      await printAs(format, page, () => `${table(page.items, columns)}\n${page.total} execution(s), page ${page.page}`);
    });

  execution
    .command('get <id>')
    .description('show one execution')
    .addOption(outputOption('json'))
    .action(async (id: string, options: { output?: string }, command: Command) => {
      const execution = await client(command).request<Record<string, unknown>>('GET', `/executions/${encodeURIComponent(id)}`);
      await printAs(outputFormat(options, 'json'), execution, () => fields(execution));
    });

  execution
    .command('stop <id>')
    .description('stop a running or pending execution (SIGTERM to its process group, SIGKILL after the grace period)')
    .option('--force', 'kill now: SIGKILL the whole process group at once')
    .action(async (id: string, options: { force?: boolean }, command: Command) => {
      const force = options.force === true;
      const result = await client(command).request<{ id: string; status: string }>('POST', `/executions/${id}/stop`, { force });
      process.stdout.write(`${result.id}: ${force ? 'kill' : 'stop'} requested (${result.status})\n`);
    });

  execution
    .command('logs <id>')
    .description("print an execution's output")
    .option('-f, --follow', 'keep printing until the execution ends, then exit with its outcome: 0 success, 1 otherwise')
    .action(async (id: string, options: { follow?: boolean }, command: Command) => {
      const api = client(command);
      if (!options.follow) {
        let after = 0;
        for (;;) {
          const page = await api.request<{ items: Array<{ seq: number; stream: string; chunk: string }>; next_seq: number }>('GET', `/executions/${id}/logs?after_seq=${after}&limit=1000`);
          for (const item of page.items) (item.stream === 'stderr' ? process.stderr : process.stdout).write(item.chunk);
          if (page.items.length < 1000) return;
          after = page.next_seq;
        }
      }
      const response = await api.raw('GET', `/executions/${id}/logs?follow=1`);
      if (!response.ok || !response.body) throw new CliError(`cannot follow logs: HTTP ${response.status} ${await response.text()}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const part of response.body) {
        buffer += decoder.decode(part, { stream: true });
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (!line) continue;
          const item = JSON.parse(line) as { stream?: string; chunk?: string; end?: boolean; status?: string };
          if (item.end) {
            process.stderr.write(`[execution ${item.status}]\n`);
            if (item.status !== 'success') process.exitCode = 1;
            return;
          }
          (item.stream === 'stderr' ? process.stderr : process.stdout).write(item.chunk ?? '');
        }
      }
      // The stream ended before the execution did (the server went away): its outcome is unknown.
      throw new CliError(say('logs.cut', { id }));
    });
  // Connection flags are listed in every subcommand's --help, not only the parent's.
  for (const sub of execution.commands) addClientOptions(sub);
  return execution;
}
