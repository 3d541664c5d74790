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
import { DatabaseSync } from 'node:sqlite';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { createServer, type Server } from '../../src/server/server.ts';
import { loadConfig } from '../../src/config/config.ts';
import { ADMIN_TOKEN_FILE, ensureAdminToken } from '../../src/api/admin-token.ts';
import { classifyFault } from '../../src/store/faults.ts';
import { rawDatabase } from '../../src/store/raw-database.ts';
import { Store } from '../../src/store/store.ts';
import { loadSecretKey } from '../../src/store/secret-cipher.ts';
import { testDialect } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { hasStackTrace, runCli } from '../cli/run-cli.ts';

/** `mount`/`umount` as root, else through `sudo -n` (never prompting); null when neither may mount. */
const privileged = (command: string, args: string[]) => (process.getuid?.() === 0 ? execFileSync(command, args, { stdio: 'ignore' }) : execFileSync('sudo', ['-n', command, ...args], { stdio: 'ignore' }));

function mountSmallTmpfs(): string | null {
  const mountPoint = mkdtempSync(join(tmpdir(), 'cronfleet-disk-full-'));
  try {
    privileged('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', mountPoint]);
    return mountPoint;
  } catch {
    rmSync(mountPoint, { recursive: true, force: true });
    return null;
  }
}

function unmount(mountPoint: string): void {
  privileged('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
}

/** Why the tests skip: only when this machine cannot mount a tmpfs at all. */
const NO_TMPFS = 'cannot mount a tmpfs here (neither root nor passwordless sudo): the full-disk tests need one';

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
      if (mountPoint) unmount(mountPoint);
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
    }
  });

  it('refuses writes with 503 and says not ready, keeps what was stored, and recovers when space returns', async (context) => {
    if (!mountPoint) return context.skip(NO_TMPFS);
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

  it('the fire loop and the dispatcher keep going on a full disk: write faults are logged, and an @every 1s task fires and runs again once space returns', async (context) => {
    if (!mountPoint) return context.skip(NO_TMPFS);
    const logged: unknown[] = [];
    const unsubscribe = t!.server.events.on('error', ({ error }) => logged.push(error));
    try {
      const created = await request('POST', '/api/v1/tasks', { ...commandTask('every-second'), cron_expression: '@every 1s', misfire_policy: 'run_once' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const taskId: string = created.body.id;
      const scheduledRuns = async (after: number) => {
        const list = await request('GET', `/api/v1/executions?task_id=${taskId}&status=success&page_size=100`);
        return (list.body.items as Array<{ trigger: string; scheduled_time: string }>).filter((execution) => execution.trigger === 'schedule' && Date.parse(execution.scheduled_time) > after);
      };
      await eventually(async () => (await scheduledRuns(0)).length >= 2, 'the task fires and runs before the disk fills', 30_000);

      fill(filler);
      // Writes that need new pages, so that the fires' writes meet the full disk too.
      const large = 'x'.repeat(200 * 1024);
      const refused: Array<{ code: string; details: { reason: string; retryable: boolean } }> = [];
      for (let index = 0; index < 6; index++) {
        const answer = await request('POST', '/api/v1/tasks', commandTask(`filling-${index}`, { parameters: { large } }));
        if (answer.status === 503) refused.push(answer.body.error);
      }
      assert.ok(refused.length > 0, 'the full disk refused a write');
      for (const error of refused) assert.deepEqual({ code: error.code, reason: error.details.reason, retryable: error.details.retryable }, { code: 'storage_unavailable', reason: 'disk_full', retryable: true });
      await eventually(async () => logged.some((error) => classifyFault(error) === 'disk_full'), 'a background write failed for lack of space and was logged', 30_000);
      assert.equal((await request('GET', '/readyz')).status, 503);
      assert.equal((await request('GET', '/healthz')).status, 200, 'the server is alive');
      assert.equal((await request('GET', `/api/v1/tasks/${taskId}`)).status, 200, 'reads work');
      assert.equal((await request('GET', `/api/v1/executions?task_id=${taskId}`)).status, 200, 'reads work');

      rmSync(filler);
      const freedAt = Date.now();
      await eventually(async () => (await scheduledRuns(freedAt)).length >= 2, 'the task fires and runs again once space returned', 60_000);
      assert.deepEqual(crashes, [], 'no error escaped to the process');
      assert.equal((await request('DELETE', `/api/v1/tasks/${taskId}`)).status, 204, 'it stops firing before the next test fills the disk again');
    } finally {
      unsubscribe();
      rmSync(filler, { force: true });
    }
  });

  it('cronfleet backup onto a full disk fails with a one-line error and leaves nothing behind; with space it writes the backup', async (context) => {
    if (!mountPoint) return context.skip(NO_TMPFS);
    const out = join(mountPoint, 'backup.db');
    const cwd = mkdtempSync(join(tmpdir(), 'cronfleet-disk-full-cli-'));
    const before = readdirSync(mountPoint);
    fill(filler);
    try {
      const full = await runCli(['backup', '--data-dir', mountPoint, '--out', out], { cwd });
      assert.equal(full.code, 1, full.stdout);
      assert.match(full.stderr, /cannot write .*backup\.db: no space left/);
      assert.ok(!hasStackTrace(full.stderr), full.stderr);
      assert.deepEqual(readdirSync(mountPoint).sort(), [...before, 'filler'].sort(), 'no partial backup left');
    } finally {
      rmSync(filler);
    }
    const written = await runCli(['backup', '--data-dir', mountPoint, '--out', out], { cwd });
    assert.equal(written.code, 0, written.stderr);
    assert.equal((await request('GET', '/healthz')).status, 200, 'the server ran through it');
    rmSync(out);
    rmSync(cwd, { recursive: true });
  });

  it('an older database (auto_vacuum off) is not converted when twice its size is not free: it opens and works as before, and the log says why', async (context) => {
    if (!mountPoint) return context.skip(NO_TMPFS);
    const path = join(mountPoint, 'older.db');
    const older = new DatabaseSync(path);
    older.exec('create table notes (body blob)');
    older.exec('begin');
    for (let index = 0; index < 6; index++) older.prepare('insert into notes (body) values (randomblob(1048576))').run();
    older.exec('commit');
    older.close();
    const notices: Array<{ level: string; message: string }> = [];
    const store = await Store.open(`sqlite:${path}`, { onNotice: (level, message) => notices.push({ level, message }) });
    try {
      assert.ok(
        notices.some(({ level, message }) => level === 'warn' && /converting it needs \d+ MiB free, only \d+ MiB are; trying again at the next start/.test(message)),
        JSON.stringify(notices),
      );
      const mode = await sql<{ auto_vacuum: number }>`pragma auto_vacuum`.execute(rawDatabase(store).db);
      assert.equal(Number(mode.rows[0]!.auto_vacuum), 0, 'left as it was');
      const count = await sql<{ n: number }>`select count(*) as n from notes`.execute(rawDatabase(store).db);
      assert.equal(Number(count.rows[0]!.n), 6);
    } finally {
      await store.close();
      rmSync(path);
    }
  });

  it('a first start on a full disk leaves no empty admin token or secret key behind to refuse the next start', async (context) => {
    if (!mountPoint) return context.skip(NO_TMPFS);
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
    if (!mountPoint) return context.skip(NO_TMPFS);
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
      unmount(mountPoint);
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
        unmount(mountPoint);
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
    // Fires every second throughout (no executor here: its fires wait as pending runs).
    const ticking = await request('POST', '/api/v1/tasks', task('every-second', { cron_expression: '@every 1s', misfire_policy: 'run_once' }));
    assert.equal(ticking.status, 201, JSON.stringify(ticking.body));
    const firesAfter = async (instant: number) => {
      const list = await request('GET', `/api/v1/executions?task_id=${ticking.body.id}&page_size=100`);
      return (list.body.items as Array<{ trigger: string; scheduled_time: string }>).filter((execution) => execution.trigger === 'schedule' && Date.parse(execution.scheduled_time) > instant).length;
    };
    await eventually(async () => (await firesAfter(0)) >= 1, 'the task fires before the disk fills', 30_000);
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
    const freedAt = Date.now();
    await eventually(async () => (await firesAfter(freedAt)) >= 2, 'the fire loop records fires again once space returned', 60_000);
    assert.deepEqual(crashes, []);
  });
});
