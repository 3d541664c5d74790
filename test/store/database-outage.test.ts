// A database outage (PostgreSQL and MariaDB runs) must never end the server: while the
// database cannot be reached every request that needs it is a 503 (never a 500),
// /readyz says not ready, and once the database is back the server serves again by
// itself. The shared database servers are never stopped: the server reaches its
// database through a TCP proxy on loopback, and `cut()` resets every connection
// (idle ones in the pool, and one checked out in the middle of a transaction) and
// refuses new ones, which is what a crashed database host looks like.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createServer, type Server } from '../../src/server/server.ts';
import { loadConfig } from '../../src/config/config.ts';
import { rawDatabase } from '../../src/store/raw-database.ts';
import { removeTestData, testDatabaseUrl, testDialect } from '../helpers/database.ts';
import { createTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { eventually } from '../scheduler/helpers.ts';

const onServerDatabase = testDialect !== 'sqlite';

describe('a database outage', { skip: onServerDatabase ? false : 'needs PostgreSQL or MariaDB (CRONFLEET_TEST_DATABASE)' }, () => {
  let dataDir: string;
  let proxy: TcpProxy;
  let server: Server;
  let url: string;
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);

  const request = async (method: string, path: string, body?: unknown, language?: string) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${server.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(language ? { 'accept-language': language } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const task = (name: string) => ({ name, cron_expression: '0 0 1 1 *', type: 'command', command: '/bin/true' });

  before(async () => {
    // An 'error' event nobody listens to would be thrown as an uncaught exception.
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-outage-'));
    const direct = new URL(await testDatabaseUrl(dataDir));
    proxy = createTcpProxy(direct.host);
    await proxy.start();
    direct.host = proxy.address;
    const config = loadConfig({
      env: { CRONFLEET_LOG_LEVEL: 'silent', CRONFLEET_RATE_LIMIT_PER_MINUTE: '0' },
      flags: { port: 0, host: '127.0.0.1', data_dir: dataDir, database: direct.toString() },
      file: undefined,
    });
    server = await createServer(config, { logger: pino({ level: 'silent' }) });
    url = await server.listen();
  });

  after(async () => {
    proxy?.restore();
    await server?.close();
    await proxy?.stop();
    await removeTestData(dataDir);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  });

  it('is answered with 503 and not-ready while it lasts, and the server recovers by itself', async () => {
    // A LISTEN connection (PostgreSQL wake-ups) is up before the outage.
    let signalled = 0;
    server.store.signals.listen('cronfleet_deliver', () => (signalled += 1));
    if (server.store.signals.pushes) {
      await eventually(async () => {
        await server.store.signals.notify('cronfleet_deliver');
        return signalled > 0;
      }, 'a wake-up before the outage');
    }
    // Fill the pool with several idle connections.
    await Promise.all(Array.from({ length: 6 }, (_, index) => request('POST', '/api/v1/tasks', task(`before-${index}`))));
    assert.equal((await request('GET', '/readyz')).status, 200);

    // One connection is checked out inside a transaction, with no statement running, when the link dies.
    let cutNow!: () => void;
    const linkCut = new Promise<void>((resolve) => (cutNow = resolve));
    const inTransaction = rawDatabase(server.store)
      .db.transaction()
      .execute(async (trx) => {
        await trx.selectFrom('tasks').select('id').execute();
        cutNow();
        await new Promise((resolve) => setTimeout(resolve, 200));
        return trx.selectFrom('tasks').select('id').execute();
      });
    await linkCut;
    proxy.cut();
    await assert.rejects(inTransaction, (error: Error & { code?: string }) => error.code === 'storage_unavailable');

    for (const [method, path, body] of [
      ['GET', '/api/v1/tasks', undefined],
      ['POST', '/api/v1/tasks', task('during')],
      ['GET', '/api/v1/executions', undefined],
      ['GET', '/api/v1/system/status', undefined],
    ] as const) {
      const response = await request(method, path, body);
      assert.equal(response.status, 503, `${method} ${path}: ${JSON.stringify(response.body)}`);
      assert.equal(response.body.error.code, 'storage_unavailable');
    }
    // A console page with a session cookie: drawing it needs the database, so it goes out as the plain app.
    const view = encodeURIComponent(JSON.stringify({ language: 'en', timeZone: 'UTC', timeZoneChoice: 'browser', colorScheme: 'light' }));
    const page = await fetch(`${url}/tasks`, { headers: { accept: 'text/html', cookie: `cronfleet_session=cfs_during_the_outage; cronfleet_view=${view}` } });
    assert.equal(page.status, 200);
    assert.equal((await page.text()).includes('cronfleet-state'), false);
    const ready = await request('GET', '/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.body.error.details.reason, 'database_unreachable');
    // In the language asked for (issue 14): code and details the same, the words Chinese around the database's own.
    const readyChinese = await request('GET', '/readyz', undefined, 'zh-CN');
    assert.equal(readyChinese.status, 503);
    assert.deepEqual(readyChinese.body.error.details, ready.body.error.details);
    assert.match(ready.body.error.message, /^database unavailable: /);
    assert.match(readyChinese.body.error.message, /^服务未就绪：无法访问数据库（database unavailable: .*）$/);
    const listChinese = await request('GET', '/api/v1/tasks', undefined, 'zh-CN');
    assert.equal(listChinese.status, 503);
    assert.equal(listChinese.body.error.code, 'storage_unavailable');
    assert.match(listChinese.body.error.message, /^数据库暂时不可用（无法连接数据库），请稍后重试：/);
    assert.equal((await request('GET', '/healthz')).status, 200, 'liveness does not depend on the database');

    proxy.restore();
    await eventually(async () => (await request('GET', '/readyz')).status === 200, 'ready again after the database came back', 30_000);
    if (server.store.signals.pushes) {
      const before = signalled;
      await eventually(
        async () => {
          await server.store.signals.notify('cronfleet_deliver');
          return signalled > before;
        },
        'the LISTEN connection is back and wake-ups arrive again',
        30_000,
      );
    }
    const created = await request('POST', '/api/v1/tasks', task('after'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(crashes, [], 'no error escaped to the process');
  });

  it('survives the link dying twice in a row (connections that already failed once)', async () => {
    for (let round = 0; round < 2; round++) {
      proxy.cut();
      assert.equal((await request('GET', '/api/v1/tasks')).status, 503);
      proxy.restore();
      await eventually(async () => (await request('GET', '/api/v1/tasks')).status === 200, 'tasks readable again', 30_000);
    }
    assert.deepEqual(crashes, []);
  });
});
