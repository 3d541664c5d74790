// `cronfleet apply` and `cronfleet export`: tasks kept as code (task-documents.ts).
import { Command, Option } from 'commander';
import { CliError } from './cli-error.ts';
import { say } from './cli-messages.ts';
import { printAs } from './format.ts';
import { carryOut, documentsText, exportDocument, planApply, planReport, planText, readTaskDocuments, selectorTag, storedTasks, type ApplyOutcome } from './task-documents.ts';
import { addClientOptions, client } from './task-commands.ts';

export function applyCommand(): Command {
  return addClientOptions(new Command('apply'))
    .description('create, update or leave alone each task of YAML or JSON documents, by name (tasks as code)')
    .requiredOption('-f, --file <path>', "a file, a directory of .yaml/.yml/.json files, or '-' for stdin: one task, a list, or several YAML documents")
    .option('--dry-run', 'only print the plan: create, update (with the fields that change), unchanged, delete')
    .option('--prune', 'delete the tasks carrying the --selector tag that the documents no longer name')
    .option('--selector <tag=KEY>', 'with --prune: the tasks this apply owns, those carrying tag KEY')
    .addOption(new Option('-o, --output <format>', 'text (default), or the plan and outcomes as json or yaml for a script').choices(['text', 'json', 'yaml']).default('text'))
    .option('--update-secrets', "send the documents' secret values even to tasks that match otherwise (no read shows a stored secret, so they cannot be compared)")
    .addHelpText(
      'after',
      '\nA task absent from the server is created; one that differs is updated (the document is its whole\ndefinition: a field left out takes its default; status is kept unless given); one that matches is left\nalone (no new version). Exit status: 0 done, 1 a change was refused, 2 bad input.\n\nExample:\n  cronfleet apply -f tasks/ --dry-run\n  cronfleet apply -f tasks/ --prune --selector tag=team-a\n  cronfleet export --selector tag=team-a | cronfleet apply -f -',
    )
    .action(async (options: { file: string; dryRun?: boolean; prune?: boolean; selector?: string; updateSecrets?: boolean; output: 'text' | 'json' | 'yaml' }, command: Command) => {
      const tag = selectorTag(options.selector);
      if (options.prune && tag === undefined) throw new CliError(say('apply.pruneNeedsSelector'), 2);
      const documents = await readTaskDocuments(options.file);
      const api = client(command);
      const steps = planApply(documents, await storedTasks(api), { ...(options.prune ? { prune: { tag: tag! } } : {}), updateSecrets: options.updateSecrets === true });
      const print = (outcomes?: ApplyOutcome[]) => (options.output === 'text' ? process.stdout.write(planText(steps, outcomes)) : printAs(options.output, planReport(steps, outcomes), () => ''));
      if (options.dryRun) return void (await print());
      const outcomes = await carryOut(api, steps);
      await print(outcomes);
      if (outcomes.some((outcome) => outcome.error !== null)) process.exitCode = 1;
    });
}

export function exportCommand(): Command {
  return addClientOptions(new Command('export'))
    .description('write tasks as YAML or JSON documents that `cronfleet apply` takes back unchanged; secrets as references, never their values')
    .option('--selector <tag=KEY>', 'only the tasks carrying tag KEY')
    .addOption(new Option('-o, --output <format>', 'yaml (documents separated by ---) or json (an array)').choices(['yaml', 'json']).default('yaml'))
    .addHelpText('after', '\nA secret is written {secret: true}: applied, it keeps the value stored for that task and field.\n\nExample:\n  cronfleet export --selector tag=team-a > team-a.yaml')
    .action(async (options: { selector?: string; output: 'yaml' | 'json' }, command: Command) => {
      const tasks = await storedTasks(client(command), selectorTag(options.selector));
      const documents = [];
      for (const task of tasks.values()) {
        try {
          documents.push(exportDocument(task));
        } catch (error) {
          // A definition this version cannot read (stored by a newer one): the others are still written.
          if (!(error instanceof CliError)) throw error;
          process.stderr.write(`${say('export.unreadable', { name: task.name, problem: error.message })}\n`);
          process.exitCode = 1;
        }
      }
      process.stdout.write(await documentsText(documents, options.output));
    });
}
