// Runs `cronfleet up` as a real child process for end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { killedAtEnd } from '../helpers/children.ts';
import { testDatabaseUrl } from '../helpers/database.ts';

export const CLI = resolve(import.meta.dirname, '..', '..', 'bin', 'cronfleet');

export interface UpProcess {
  child: ChildProcess;
  url: string;
  token: string;
  output: () => string;
  request: <T = any>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startUp(dataDir: string): Promise<UpProcess> {
  const database = await testDatabaseUrl(dataDir);
  const child = killedAtEnd(
    spawn(CLI, ['up', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--database', database, '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CRONFLEET_ADMIN_TOKEN: '' },
    }),
  );
  let output = '';
  child.stdout.on('data', (data) => (output += data));
  child.stderr.on('data', (data) => (output += data));
  const url = await new Promise<string>((resolvePromise, reject) => {
    // A bound for "never starts", not a timing (a restart first kills what the last run left,
    // which is slow on a loaded machine). A process given up on is killed, never left to keep
    // the test file alive.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cronfleet up did not start:\n${output}`));
    }, 60_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]!);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cronfleet up exited with ${code}:\n${output}`));
    });
  });
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    child,
    url,
    token,
    output: () => output,
    async request(method, path, body) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as never };
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
