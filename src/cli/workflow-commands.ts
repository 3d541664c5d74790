// `cronfleet workflow …` (issue 19): list, show and trigger workflows.
import { Command } from 'commander';
import { CliError } from './cli-error.ts';
import type { ApiClient } from './client.ts';
import { outputFormat, outputOption, printAs, printJson, table } from './format.ts';
import { addClientOptions, client } from './task-commands.ts';

interface Step {
  name: string;
  state?: string;
  task_name?: string | null;
  depends_on: Array<{ step: string; on: string }>;
}

/** Accepts a workflow id or its exact name. */
async function resolveWorkflowId(api: ApiClient, idOrName: string): Promise<string> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-/.test(idOrName)) return idOrName;
  const name = idOrName.normalize('NFC');
  for (let pageNumber = 1; ; pageNumber++) {
    const page = await api.request<{ items: Array<{ id: string; name: string }>; total: number }>('GET', `/workflows?page_size=1000&page=${pageNumber}`);
    const match = page.items.find((workflow) => workflow.name === name);
    if (match) return match.id;
    if (pageNumber * 1000 >= page.total) throw new CliError(`no workflow named '${idOrName}'`, 1);
  }
}

function stepLines(steps: Step[]): string {
  return steps
    .map((step) => {
      const after = step.depends_on.map((dependency) => (dependency.on === 'success' ? dependency.step : `${dependency.step} (${dependency.on})`)).join(', ');
      return `  ${step.name}${step.state ? ` [${step.state}]` : ''}${step.task_name ? ` task ${step.task_name}` : ''}${after ? ` after ${after}` : ''}\n`;
    })
    .join('');
}

export function workflowCommand(): Command {
  const workflow = new Command('workflow').description('workflows: DAGs of tasks');

  workflow
    .command('ls')
    .description('list workflows')
    .option('--page <n>', 'page', '1')
    .option('--page-size <n>', 'page size', '50')
    .option('--json', 'print JSON (the same as -o json)')
    .addOption(outputOption('table'))
    .action(async (options: { page: string; pageSize: string; json?: boolean; output?: string }, command: Command) => {
      const page = await client(command).request<{ items: Array<Record<string, unknown>>; total: number; page: number }>('GET', `/workflows?page=${options.page}&page_size=${options.pageSize}`);
      await printAs(outputFormat(options, 'table'), page, () => {
        const rows = page.items.map((item) => ({ ...item, steps: (item.steps as Step[]).length }));
        return `${table(rows, ['id', 'name', 'cron_expression', 'steps', 'on_failure', 'next_fire_at'])}\n${page.total} workflow(s), page ${page.page}`;
      });
    });

  workflow
    .command('show <workflow>')
    .description('show a workflow (by id or name) with its steps and its latest runs')
    .option('--json', 'print JSON (the same as -o json)')
    .addOption(outputOption('table'))
    .action(async (idOrName: string, options: { json?: boolean; output?: string }, command: Command) => {
      const api = client(command);
      const id = await resolveWorkflowId(api, idOrName);
      const found = await api.request<{ name: string; cron_expression: string | null; steps: Step[] }>('GET', `/workflows/${id}`);
      const runs = await api.request<{ items: Array<{ id: string; status: string; trigger: string; scheduled_time: string; steps: Step[] }> }>('GET', `/workflows/${id}/runs?page_size=5`);
      await printAs(outputFormat(options, 'table'), { ...found, runs: runs.items }, () => {
        let out = `${found.name} (${id})\nschedule: ${found.cron_expression ?? 'manual only'}\nsteps:\n${stepLines(found.steps)}`;
        for (const run of runs.items) out += `run ${run.id} ${run.status} (${run.trigger}, ${run.scheduled_time})\n${stepLines(run.steps)}`;
        return out.trimEnd();
      });
    });

  workflow
    .command('trigger <workflow>')
    .description('run a workflow now')
    .option('--params <json>', 'parameters for every step, as a JSON object')
    .action(async (idOrName: string, options: { params?: string }, command: Command) => {
      let parameters: Record<string, unknown> = {};
      if (options.params) {
        try {
          parameters = JSON.parse(options.params) as Record<string, unknown>;
        } catch {
          throw new CliError('--params must be a JSON object', 2);
        }
      }
      const api = client(command);
      printJson(await api.request('POST', `/workflows/${await resolveWorkflowId(api, idOrName)}/trigger`, { parameters }));
    });

  for (const sub of workflow.commands) addClientOptions(sub);
  return workflow;
}
