// `command` tasks: argv by default (no shell, so arguments are never re-parsed);
// `shell: true` runs the command string with /bin/sh -c, args as $1, $2, …
// Under a command allowlist the program checked is the one exec'd: the command for
// argv tasks, /bin/sh for shell tasks — so a shell task runs only where /bin/sh itself
// is allowed, since a shell can run anything.
import { taskEnvironment } from './environment.ts';
import { runProcess } from './process-runner.ts';
import type { ProcessGroups } from '../strays.ts';
import type { RunContext, Runner } from './runner.ts';

interface CommandSettings {
  command: string;
  args: string[];
  shell: boolean;
  env: Record<string, string>;
  cwd: string | null;
}

/** A command runner that records each run's process group in `processGroups` (strays.ts). */
export function createCommandRunner(processGroups: ProcessGroups | null = null): Runner {
  return {
    type: 'command',
    run(context: RunContext) {
      const spec = context.task.spec as unknown as CommandSettings;
      const env = taskEnvironment(context.env, context.task, spec.env ?? {});
      const args = spec.args ?? [];
      const cwd = spec.cwd ?? null;
      if (spec.shell) return runProcess(context, { command: '/bin/sh', args: ['-c', spec.command, 'cronfleet', ...args], env, cwd, taskProgram: true, processGroups });
      return runProcess(context, { command: spec.command, args, env, cwd, taskProgram: true, processGroups });
    },
  };
}
