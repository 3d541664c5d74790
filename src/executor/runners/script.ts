// `script` tasks: an inline body written to a private temp file and run by its interpreter.
// Under a command allowlist the interpreter is the program checked; with --run-as the
// temp directory and file are handed to that user, so only they (and root) can read them.
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taskEnvironment } from './environment.ts';
import { runProcess } from './process-runner.ts';
import type { ProcessGroups } from '../strays.ts';
import type { RunContext, Runner } from './runner.ts';

const extensions: Record<string, string> = { sh: 'sh', bash: 'sh', python3: 'py', node: 'mjs' };

/** A script runner that records each run's process group in `processGroups` (strays.ts). */
export function createScriptRunner(processGroups: ProcessGroups | null = null): Runner {
  return {
    type: 'script',
    async run(context: RunContext) {
      const spec = context.task.spec as { interpreter: string; body: string; env?: Record<string, string> };
      const directory = await mkdtemp(join(tmpdir(), 'cronfleet-script-'));
      try {
        const file = join(directory, `script.${extensions[spec.interpreter] ?? 'txt'}`);
        await writeFile(file, spec.body, { mode: 0o700 });
        const user = context.policy.runAs;
        if (user) {
          await chown(directory, user.uid, user.gid);
          await chown(file, user.uid, user.gid);
        }
        const env = taskEnvironment(context.env, context.task, spec.env ?? {});
        return await runProcess(context, { command: spec.interpreter, args: [file], env, cwd: null, taskProgram: true, processGroups });
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}
