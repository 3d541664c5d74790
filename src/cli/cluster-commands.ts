// `cronfleet cluster status` (the servers, the leader, the fleet, the queue) and
// `cronfleet schedule preview` (an expression's next fires and its meaning): what the web
// UI's cluster page and schedule field show.
import { Command, Option } from 'commander';
import { cronDialects } from '../protocol/enums.ts';
import type { SchedulePreviewResponse, SystemStatusResponse } from '../protocol/rest-responses.ts';
import { CliError } from './cli-error.ts';
import { fields, outputFormat, outputOption, printAs, table } from './format.ts';
import { addClientOptions, client } from './task-commands.ts';

export function clusterCommand(): Command {
  const cluster = new Command('cluster').description('the cronfleet servers and their fleet');
  addClientOptions(cluster.command('status'))
    .description('servers (which leads), executors, running and pending executions, tasks by status')
    .addOption(outputOption('table'))
    .action(async (options: { output?: string }, command: Command) => {
      const status = await client(command).request<SystemStatusResponse>('GET', '/system/status');
      await printAs(outputFormat(options, 'table'), status, () => {
        const summary = {
          answered_by: status.instance_id,
          version: status.version,
          leader: status.leader?.instance_id ?? null,
          executors: `${status.executors.online} online, ${status.executors.healthy} healthy, ${status.executors.total} in all`,
          running: status.running,
          pending: status.pending,
          tasks: Object.entries(status.tasks)
            .map(([state, count]) => `${count} ${state}`)
            .join(', '),
          database_bytes: status.database.size_bytes,
        };
        const servers = status.instances.map((instance) => ({ ...instance, leader: instance.is_leader ? '*' : '' }));
        return `${fields(summary)}\n\n${table(servers, ['id', 'hostname', 'address', 'version', 'leader', 'heartbeat_age_ms', 'started_at'])}\n\n${table(status.executor_list, ['name', 'status', 'is_healthy', 'running', 'capacity', 'labels'])}`;
      });
    });
  return cluster;
}

export function scheduleCommand(): Command {
  const schedule = new Command('schedule').description('cron expressions');
  addClientOptions(schedule.command('preview <expression>'))
    .description('the next fire times of an expression, and what it means in words')
    .option('--tz <iana>', 'IANA time zone (default UTC)')
    .addOption(new Option('--cron-dialect <dialect>', 'standard (Unix) or quartz').choices(cronDialects))
    .option('--count <n>', 'how many fire times', '10')
    .option('--from <instant>', 'the first fire after this ISO 8601 instant (default now)')
    .addOption(outputOption('table'))
    .addHelpText('after', "\nExample:\n  cronfleet schedule preview '0 9 * * 1-5' --tz Asia/Shanghai --count 3")
    .action(async (expression: string, options: { tz?: string; cronDialect?: string; count: string; from?: string; output?: string }, command: Command) => {
      const count = Number(options.count);
      if (!Number.isInteger(count) || count < 1 || count > 1000) throw new CliError(`--count must be an integer from 1 to 1000, got '${options.count}'`, 2);
      const body = {
        cron_expression: expression,
        count,
        ...(options.tz ? { timezone: options.tz } : {}),
        ...(options.cronDialect ? { cron_dialect: options.cronDialect } : {}),
        ...(options.from ? { from: options.from } : {}),
      };
      // The description comes in the user's language: the client sends it as Accept-Language.
      const preview = await client(command).request<SchedulePreviewResponse>('POST', '/schedules/preview', body);
      await printAs(outputFormat(options, 'table'), preview, () => `${preview.description} (${preview.timezone}, ${preview.cron_dialect})\n${preview.fires.join('\n')}`);
    });
  return schedule;
}
