// Runs the real `bin/cronfleet` as a child process and collects its exit code and output.
// The child gets a clean environment (no CRONFLEET_* from the developer's shell) and a
// throwaway working directory, so it finds no ./data token by accident.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../../bin/cronfleet', import.meta.url));

const RUN_LIMIT_MS = 30_000;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Called with each piece of stdout as it arrives (to act while the command runs). */
  onStdout?: (text: string) => void;
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('CRONFLEET_') || key.startsWith('NODE_TEST') || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cliPath, args, { cwd: options.cwd, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      options.onStdout?.(text);
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cronfleet ${args.join(' ')} did not exit within ${RUN_LIMIT_MS} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, RUN_LIMIT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `cronfleet ARGS --server URL --token TOKEN`: a command against a test server, run in `cwd`. */
export function runCliAgainst(server: { url: string; token: string }, cwd: string, args: string[]): Promise<CliResult> {
  return runCli([...args, '--server', server.url, '--token', server.token], { cwd });
}

/** The output of a command that exited 0; any other exit fails the test, showing both streams. */
export function ok(result: CliResult): string {
  assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result.stdout;
}

/** A stack trace in output means an error escaped the CLI's error handling. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text);
}
