// `command` tasks: argv by default (no shell, so arguments are never re-parsed);
// `shell: true` runs the command string with /bin/sh -c, args as $1, $2, …
import { taskEnvironment } from './environment.ts';
import { runProcess } from './process-runner.ts';
import type { RunContext, Runner } from './runner.ts';

interface CommandSettings {
  command: string;
  args: string[];
  shell: boolean;
  env: Record<string, string>;
  cwd: string | null;
}

export const commandRunner: Runner = {
  type: 'command',
  run(context: RunContext) {
    const spec = context.task.spec as unknown as CommandSettings;
    const env = taskEnvironment(context.env, context.task, spec.env ?? {});
    const args = spec.args ?? [];
    if (spec.shell) return runProcess(context, '/bin/sh', ['-c', spec.command, 'cronfleet', ...args], env, spec.cwd);
    return runProcess(context, spec.command, args, env, spec.cwd);
  },
};
