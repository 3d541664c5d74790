// Lints the OpenAPI document the server serves at /api/docs/json with Redocly's
// recommended rules (redocly.yaml), failing on any error. The document is built by a real
// server assembly (SQLite in a temp dir, never listening), so what is linted is exactly
// what clients read. `node scripts/check-openapi.ts [--keep <file>]` keeps the document.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { createServer } from '../src/server/server.ts';
import { loadConfig } from '../src/config/config.ts';

const root = resolve(import.meta.dirname, '..');

async function openApiDocument(dataDir: string): Promise<unknown> {
  const config = loadConfig({ env: { CRONFLEET_LOG_LEVEL: 'silent' }, flags: { port: 0, host: '127.0.0.1', data_dir: dataDir, database: `sqlite:${join(dataDir, 'cronfleet.db')}` }, file: undefined });
  const server = await createServer(config, { logger: pino({ level: 'silent' }) });
  try {
    await server.app.ready();
    return server.app.swagger();
  } finally {
    await server.close();
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-openapi-'));
try {
  const keep = process.argv.indexOf('--keep');
  const file = keep >= 0 && process.argv[keep + 1] ? resolve(process.argv[keep + 1]!) : join(dataDir, 'openapi.json');
  writeFileSync(file, `${JSON.stringify(await openApiDocument(dataDir), null, 2)}\n`);
  const redocly = join(root, 'node_modules', '.bin', 'redocly');
  // No telemetry and no update check: the lint runs offline, in CI as on a laptop.
  const result = spawnSync(redocly, ['lint', '--config', join(root, 'redocly.yaml'), '--format', 'codeframe', file], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  if (result.error) throw result.error;
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
