// Starts a real server (real SQLite file in a temp dir, real HTTP on loopback), with an
// optional local executor, for tests. Everything is torn down by close().
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createServer, type Server } from '../../src/server/server.ts';
import { startLocalExecutor, type LocalExecutor } from '../../src/cli/local-executor.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { Clock } from '../../src/domain/clock.ts';
import type { OutputLimits } from '../../src/executor/output.ts';
import { removeTestData, testDatabaseUrl } from './database.ts';

export interface TestServer {
  server: Server;
  executor: LocalExecutor | null;
  url: string;
  token: string;
  /** The first admin user's one-time password (user name 'admin'). */
  adminPassword: string;
  dataDir: string;
  request<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T }>;
  /** Stops the executor and server; keeps the data dir unless `keepData` (restart tests). */
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  clock?: Clock;
  executor?: boolean;
  capacity?: number;
  dataDir?: string;
  outputLimits?: OutputLimits;
  killGraceMs?: number;
  env?: Record<string, string>;
  /** The server's logger (default: silent). */
  logger?: Logger;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cronfleet-test-'));
  const database = await testDatabaseUrl(dataDir);
  const config = loadConfig({ env: { CRONFLEET_LOG_LEVEL: 'silent', CRONFLEET_RATE_LIMIT_PER_MINUTE: '0', ...options.env }, flags: { port: 0, host: '127.0.0.1', data_dir: dataDir, database }, file: undefined });
  let adminPassword = '';
  const server = await createServer(config, {
    ...(options.clock ? { clock: options.clock } : {}),
    logger: options.logger ?? pino({ level: 'silent' }),
    onAdminUserCreated: ({ password }) => (adminPassword = password),
  });
  const url = await server.listen();
  const executor =
    options.executor === false
      ? null
      : await startLocalExecutor(server.gateway, {
          name: 'local',
          capacity: options.capacity ?? 8,
          labels: {},
          version: 'test',
          ...(options.outputLimits ? { outputLimits: options.outputLimits } : {}),
          ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
        });
  return {
    server,
    executor,
    url,
    token: server.adminToken,
    adminPassword,
    dataDir,
    async request(method, path, body, token) {
      const headers: Record<string, string> = {};
      const bearer = token === undefined ? server.adminToken : token;
      if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // keep text
      }
      return { status: response.status, body: parsed as never };
    },
    async close(closeOptions = {}) {
      await executor?.stop();
      await server.close();
      if (!closeOptions.keepData && !options.dataDir) await removeTestData(dataDir);
    },
  };
}
