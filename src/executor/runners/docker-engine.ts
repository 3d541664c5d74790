// Whether this machine can run docker tasks, asked once when an agent starts (index.ts),
// without loading the docker runner itself.
import { execFile } from 'node:child_process';

/**
 * Whether a docker engine answers. `docker info` fails fast when the CLI is missing
 * or no engine listens; the timeout covers an engine that accepts but hangs.
 */
export function dockerAvailable(options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('docker', ['info', '--format', '{{.ServerVersion}}'], { env: options.env ?? process.env, timeout: options.timeoutMs ?? 3000 }, (error, stdout) => resolve(error === null && stdout.trim() !== ''));
  });
}
