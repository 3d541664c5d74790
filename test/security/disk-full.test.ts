// A full disk (SQLite on a small tmpfs, filled by a filler file) must never end the
// server: writes fail cleanly (503 storage_unavailable, logged), /readyz says not ready
// while /healthz still answers, everything stored before stays readable, a restart on
// the full disk starts (no crash loop), and once the filler is gone the server takes
// writes and runs executions again by itself.
//
// Needs root to mount the tmpfs (the CI machine allows it); elsewhere it is skipped.
// SQLite keeps its data dir on the tmpfs. PostgreSQL (when it runs on this machine)
// keeps the test database in a tablespace on the tmpfs: its WAL stays on its own disk,
// so filling the tablespace fails the writes (53100 disk_full) without harming the
// shared server. MariaDB's tables cannot be moved that way and are not covered here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { createServer, type Server } from '../../src/server/server.ts';
import { loadConfig } from '../../src/config/config.ts';
import { ADMIN_TOKEN_FILE, ensureAdminToken } from '../../src/api/admin-token.ts';
import { loadSecretKey } from '../../src/store/secret-cipher.ts';
import { testDialect } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';

function mountSmallTmpfs(): string | null {
  const mountPoint = mkdtempSync(join(tmpdir(), 'cronfleet-disk-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', mountPoint], { stdio: 'ignore' });
    return mountPoint;
  } catch {
    rmSync(mountPoint, { recursive: true, force: true });
    return null;
  }
}

/** Writes zeros until the file system refuses: large chunks first, then small ones for the last bytes. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const size of [1024 * 1024, 4096, 1]) {
      const chunk = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
}

const skip = testDialect !== 'sqlite' ? 'SQLite run (the PostgreSQL case is below)' : false;

describe('a full disk', { skip }, () => {
  let mountPoint: string | null = null;
  let t: TestServer | null = null;
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  let filler: string;
  let taskBefore: { id: string };
  let executionBefore: { id: string };

  const request = (method: string, path: string, body?: unknown) => t!.request(method, path, body);
  const commandTask = (name: string, extra: Record<string, unknown> = {}) => ({ name, cron_expression: '0 0 1 1 *', type: 'command', command: '/bin/echo', args: [`output of ${name}`], shell: false, ...extra });
  const runToSuccess = async (taskId: string) => {
    const triggered = await request('POST', `/api/v1/tasks/${taskId}/trigger`, {});
    assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
    return eventually(
      async () => {
        const execution = await request('GET', `/api/v1/executions/${triggered.body.id}`);
        return execution.body.status === 'success' && execution.body;
      },
      'the execution succeeded',
      30_000,
    );
  };
  const logsOf = async (executionId: string) => JSON.stringify((await request('GET', `/api/v1/executions/${executionId}/logs`)).body);

  before(async () => {
    mountPoint = mountSmallTmpfs();
    if (!mountPoint) return;
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    filler = join(mountPoint, 'filler');
    t = await startTestServer({ dataDir: mountPoint });
    const created = await request('POST', '/api/v1/tasks', commandTask('stored-before'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    taskBefore = created.body;
    executionBefore = await runToSuccess(taskBefore.id);
    assert.match(await logsOf(executionBefore.id), /output of stored-before/);
  });

  after(async () => {
    try {
      await t?.close();
    } finally {
      if (mountPoint) {
        execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
        rmSync(mountPoint, { recursive: true, force: true });
      }
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    }
  });

  it('refuses writes with 503 and says not ready, keeps what was stored, and recovers when space returns', async (context) => {
    if (!mountPoint) return context.skip('cannot mount a tmpfs here (needs root)');
    fill(filler);

    // Writes large enough that the WAL must grow, and runs that write logs and results.
    const statuses: Array<{ status: number; code?: string }> = [];
    const large = 'x'.repeat(200 * 1024);
    for (let index = 0; index < 12; index++) {
      const created = await request('POST', '/api/v1/tasks', commandTask(`during-${index}`, { parameters: { large } }));
      statuses.push({ status: created.status, code: created.body?.error?.code });
      const triggered = await request('POST', `/api/v1/tasks/${taskBefore.id}/trigger`, {});
      statuses.push({ status: triggered.status, code: triggered.body?.error?.code });
    }
    const unexpected = statuses.filter(({ status, code }) => !(status === 201 || status === 202 || (status === 503 && code === 'storage_unavailable')));
    assert.deepEqual(unexpected, [], 'every write either worked or was refused with 503 storage_unavailable');
    assert.ok(
      statuses.some(({ status }) => status === 503),
      'the full disk refused writes',
    );

    const ready = await request('GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.error.details.reason, 'disk_full');
    assert.equal((await request('GET', '/healthz')).status, 200);

    // Nothing stored before is lost, and it can still be read.
    assert.equal((await request('GET', `/api/v1/tasks/${taskBefore.id}`)).status, 200);
    assert.equal((await request('GET', `/api/v1/executions/${executionBefore.id}`)).body.status, 'success');
    assert.match(await logsOf(executionBefore.id), /output of stored-before/);

    rmSync(filler);
    await eventually(async () => (await request('GET', '/readyz')).status === 200, 'ready again once space returned', 30_000);
    const after = await request('POST', '/api/v1/tasks', commandTask('stored-after'));
    assert.equal(after.status, 201, JSON.stringify(after.body));
    const execution = await runToSuccess(after.body.id);
    assert.match(await logsOf(execution.id), /output of stored-after/);
    assert.deepEqual(crashes, [], 'no error escaped to the process');
  });

  it('a first start on a full disk leaves no empty admin token or secret key behind to refuse the next start', async (context) => {
    if (!mountPoint) return context.skip('cannot mount a tmpfs here (needs root)');
    const fresh = join(mountPoint, 'fresh-data-dir');
    mkdirSync(fresh);
    fill(filler);
    try {
      assert.throws(() => ensureAdminToken(fresh, null), { code: 'ENOSPC' });
      assert.throws(() => loadSecretKey(null, fresh), { code: 'ENOSPC' });
      assert.deepEqual(readdirSync(fresh), [], 'no half-written file');
      // An empty file left by an older version is written again, never read as a token or key.
      writeFileSync(join(fresh, ADMIN_TOKEN_FILE), '');
    } finally {
      rmSync(filler);
    }
    const { token, created } = ensureAdminToken(fresh, null);
    assert.equal(created, true);
    assert.match(token, /^cf_.{20,}/);
    assert.equal(loadSecretKey(null, fresh).created, true);
    assert.equal(ensureAdminToken(fresh, null).token, token, 'the next start reads the same token');
    rmSync(fresh, { recursive: true });
  });

  it('a restart on a full disk starts, answers /healthz, is not ready, and becomes ready when space returns', async (context) => {
    if (!mountPoint) return context.skip('cannot mount a tmpfs here (needs root)');
    await t!.close({ keepData: true });
    t = null;
    fill(filler);
    t = await startTestServer({ dataDir: mountPoint });
    assert.equal((await request('GET', '/healthz')).status, 200);
    const ready = await request('GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.equal((await request('GET', `/api/v1/tasks/${taskBefore.id}`)).status, 200, 'what was stored is readable on a full disk');

    rmSync(filler);
    await eventually(async () => (await request('GET', '/readyz')).status === 200, 'ready once space returned', 30_000);
    const created = await request('POST', '/api/v1/tasks', commandTask('after-restart'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(crashes, []);
  });
});

describe('a full disk under PostgreSQL (the database in a tablespace on a full tmpfs)', { skip: testDialect !== 'postgres' ? 'PostgreSQL run only' : false }, () => {
  const postgresBase = process.env.CRONFLEET_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
  const name = `cf_disk_full_${process.pid}`;
  let mountPoint: string | null = null;
  let dataDir: string;
  let server: Server | null = null;
  let url: string;
  let filler: string;
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);

  const admin = async (statements: string[]) => {
    const client = new pg.Client({ connectionString: `${postgresBase}/postgres` });
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement);
    } finally {
      await client.end();
    }
  };
  const request = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${server!.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const task = (taskName: string, extra: Record<string, unknown> = {}) => ({ name: taskName, cron_expression: '0 0 1 1 *', type: 'command', command: '/bin/true', ...extra });

  before(async () => {
    mountPoint = mountSmallTmpfs();
    if (!mountPoint) return;
    const location = join(mountPoint, 'tablespace');
    mkdirSync(location);
    try {
      execFileSync('chown', ['postgres:postgres', location], { stdio: 'ignore' });
      execFileSync('chmod', ['0755', mountPoint], { stdio: 'ignore' });
      await admin([`create tablespace ${name} location '${location}'`, `create database ${name} tablespace ${name}`]);
    } catch {
      // PostgreSQL runs elsewhere (or as another user): it cannot use this machine's tmpfs.
      execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
      rmSync(mountPoint, { recursive: true, force: true });
      mountPoint = null;
      return;
    }
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    filler = join(mountPoint, 'filler');
    dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-disk-full-pg-'));
    const config = loadConfig({
      env: { CRONFLEET_LOG_LEVEL: 'silent', CRONFLEET_RATE_LIMIT_PER_MINUTE: '0' },
      flags: { port: 0, host: '127.0.0.1', data_dir: dataDir, database: `${postgresBase}/${name}` },
      file: undefined,
    });
    server = await createServer(config, { logger: pino({ level: 'silent' }) });
    url = await server.listen();
  });

  after(async () => {
    try {
      await server?.close();
    } finally {
      if (mountPoint) {
        await admin([`drop database if exists ${name} with (force)`, `drop tablespace if exists ${name}`]);
        execFileSync('umount', ['-l', mountPoint], { stdio: 'ignore' });
        rmSync(mountPoint, { recursive: true, force: true });
        rmSync(dataDir, { recursive: true, force: true });
      }
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    }
  });

  it('refuses writes with 503 (53100), says not ready, keeps what was stored, and recovers when space returns', async (context) => {
    if (!mountPoint) return context.skip('no tmpfs, or PostgreSQL cannot use it');
    const before = await request('POST', '/api/v1/tasks', task('stored-before'));
    assert.equal(before.status, 201, JSON.stringify(before.body));
    fill(filler);

    const statuses: Array<{ status: number; code?: string }> = [];
    const large = Array.from({ length: 4000 }, (_, index) => `${index}-${Math.random()}`).join(',');
    for (let index = 0; index < 20 && !statuses.some(({ status }) => status === 503); index++) {
      const created = await request('POST', '/api/v1/tasks', task(`during-${index}`, { parameters: { large } }));
      statuses.push({ status: created.status, code: created.body?.error?.code });
    }
    const unexpected = statuses.filter(({ status, code }) => !(status === 201 || (status === 503 && code === 'storage_unavailable')));
    assert.deepEqual(unexpected, [], 'every write either worked or was refused with 503 storage_unavailable');
    assert.ok(
      statuses.some(({ status }) => status === 503),
      'the full tablespace refused writes',
    );
    const ready = await request('GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.error.details.reason, 'disk_full');
    assert.equal((await request('GET', `/api/v1/tasks/${before.body.id}`)).status, 200, 'what was stored is readable');

    rmSync(filler);
    await eventually(async () => (await request('GET', '/readyz')).status === 200, 'ready again once space returned', 60_000);
    assert.equal((await request('POST', '/api/v1/tasks', task('stored-after', { parameters: { large } }))).status, 201);
    assert.deepEqual(crashes, []);
  });
});
