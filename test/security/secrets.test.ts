// Secrets (issue 5 item 6): "a task parameter marked secret cannot be read back by any
// route, log or page". A real server with its local executor, real child processes, the
// real database of the run (SQLite, or PostgreSQL/MariaDB by CRONFLEET_TEST_DATABASE).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { createServer } from '../../src/server/server.ts';
import { startLocalExecutor } from '../../src/cli/local-executor.ts';
import { loadConfig } from '../../src/config/config.ts';
import { isCronfleetError } from '../../src/protocol/errors.ts';
import { watchExecutions, type ExecutionWatch } from '../api/execution-watch.ts';
import { removeTestData, testDatabaseUrl } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { rawDatabase } from '../../src/store/raw-database.ts';

const PASSWORD = 'pw-Zq81-never-shown';
const TOKEN = 'tok-Kd55-never-shown';
const OVERRIDE = 'ovr-Xa20-never-shown';
const ROTATED = 'pw-Rr77-rotated-value';
const PLAINTEXTS = [PASSWORD, TOKEN, OVERRIDE, ROTATED];
// A bound for "never comes", not a timing: generous, since CI runs two test files at once on two cores.
const WAIT_LIMIT_MS = 60_000;

/** Fails when any secret value appears anywhere in a response body or row dump. */
function assertNoPlaintext(what: string, value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  for (const plaintext of PLAINTEXTS) assert.ok(!text.includes(plaintext), `${what} shows a secret value: ${text.slice(0, 500)}`);
}

describe('secret task parameters and env values', () => {
  let t: TestServer;
  let watch: ExecutionWatch;
  let dataDir: string;
  let outDir: string;
  let taskId: string;

  /** The task's command writes what it received to a file (output is masked) and prints it too. */
  const taskBody = () => ({
    name: 'uses_secrets',
    command: `printf '%s|%s|%s' "$CRONFLEET_PARAM_DB_PASSWORD" "$API_TOKEN" "$CRONFLEET_PARAM_REGION" > "${outDir}/$CRONFLEET_EXECUTION_ID"; echo "password=$CRONFLEET_PARAM_DB_PASSWORD token=$API_TOKEN"; echo "$CRONFLEET_PARAMETERS" >&2`,
    shell: true,
    env: { API_TOKEN: { secret: TOKEN }, MODE: 'full' },
    parameters: { db_password: { secret: PASSWORD }, region: 'eu' },
  });

  async function start(env: Record<string, string> = {}): Promise<void> {
    t = await startTestServer({ dataDir, env });
    watch = watchExecutions(t);
  }

  async function stop(): Promise<void> {
    watch.stop();
    await t.close({ keepData: true });
  }

  /** Triggers the task, waits for the run, returns the execution id and what the child received. */
  async function run(parameters: Record<string, unknown> = {}): Promise<{ id: string; received: string }> {
    const triggered = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, { parameters });
    assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
    assertNoPlaintext('the trigger response', triggered.body);
    assert.equal(await watch.finished(triggered.body.id), 'success');
    return { id: triggered.body.id, received: readFileSync(join(outDir, triggered.body.id), 'utf8') };
  }

  /** The log of an execution once `done` says it is complete (the log may land after the result). */
  async function logOf(id: string, done: (text: string) => boolean): Promise<string> {
    const read = async () => ((await t.request('GET', `/api/v1/executions/${id}/logs`)).body.items as Array<{ chunk: string }>).map((item) => item.chunk).join('');
    const deadline = Date.now() + WAIT_LIMIT_MS;
    for (let text = await read(); ; text = await read()) {
      if (done(text)) return text;
      if (Date.now() > deadline) assert.fail(`the log of ${id} never got complete: ${text}`);
      await new Promise<void>((resolve) => {
        const off = t.server.events.on('execution.log', () => {
          off();
          resolve();
        });
        setTimeout(() => {
          off();
          resolve();
        }, 200).unref();
      });
    }
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-secrets-'));
    outDir = mkdtempSync(join(tmpdir(), 'cronfleet-secrets-out-'));
    await start();
    const created = await t.request('POST', '/api/v1/tasks', taskBody());
    assert.equal(created.status, 201, JSON.stringify(created.body));
    taskId = created.body.id;
    assertNoPlaintext('the create response', created.body);
  });

  after(async () => {
    await stop();
    await removeTestData(dataDir);
    rmSync(outDir, { recursive: true, force: true });
  });

  it('shows a secret as {"secret":true} in every read of the task', async () => {
    const read = await t.request('GET', `/api/v1/tasks/${taskId}`);
    assert.deepEqual(read.body.parameters, { db_password: { secret: true }, region: 'eu' });
    assert.deepEqual(read.body.env, { API_TOKEN: { secret: true }, MODE: 'full' });
    assertNoPlaintext('GET /tasks/:id', read.body);
    assertNoPlaintext('GET /tasks', (await t.request('GET', '/api/v1/tasks')).body);
    assertNoPlaintext('POST /tasks/:id/pause', (await t.request('POST', `/api/v1/tasks/${taskId}/pause`)).body);
    assertNoPlaintext('POST /tasks/:id/resume', (await t.request('POST', `/api/v1/tasks/${taskId}/resume`)).body);
  });

  it('gives the executor the real values, and shows them nowhere: execution, list, logs', async () => {
    const { id, received } = await run();
    assert.equal(received, `${PASSWORD}|${TOKEN}|eu`);
    const execution = await t.request('GET', `/api/v1/executions/${id}`);
    assert.deepEqual(execution.body.parameters, { db_password: { secret: true }, region: 'eu' });
    assertNoPlaintext('GET /executions/:id', execution.body);
    assertNoPlaintext('GET /executions', (await t.request('GET', `/api/v1/executions?task_id=${taskId}`)).body);
    const log = await logOf(id, (text) => text.includes('password=') && text.includes('region'));
    assert.match(log, /password=\*{6} token=\*{6}/);
    assertNoPlaintext('the log', log);
    assertNoPlaintext('GET /executions/:id/logs', (await t.request('GET', `/api/v1/executions/${id}/logs`)).body);
  });

  it('takes a secret trigger override, and {"secret":true} there keeps the stored value', async () => {
    const overridden = await run({ db_password: { secret: OVERRIDE } });
    assert.equal(overridden.received, `${OVERRIDE}|${TOKEN}|eu`);
    assertNoPlaintext('the overridden execution', (await t.request('GET', `/api/v1/executions/${overridden.id}`)).body);
    assertNoPlaintext('the overridden log', await logOf(overridden.id, (text) => text.includes('password=')));
    const kept = await run({ db_password: { secret: true }, region: 'us' });
    assert.equal(kept.received, `${PASSWORD}|${TOKEN}|us`);
    const missing = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, { parameters: { no_such: { secret: true } } });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.details.field, 'parameters.no_such');
  });

  it('keeps a secret through GET → edit → PUT, and replaces it when a new value is sent', async () => {
    const read = (await t.request('GET', `/api/v1/tasks/${taskId}`)).body;
    const { id: _id, status: _status, next_fire_at: _n, last_fire_at: _l, version: _v, created_at: _c, updated_at: _u, ...editable } = read;
    const put = await t.request('PUT', `/api/v1/tasks/${taskId}`, { ...editable, description: 'edited' }); // warnings (read only) travel back too
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal((await run()).received, `${PASSWORD}|${TOKEN}|eu`, 'the round trip lost nothing');
    const partial = await t.request('PUT', `/api/v1/tasks/${taskId}`, { description: 'only this' });
    assert.equal(partial.status, 200);
    assert.equal((await run()).received, `${PASSWORD}|${TOKEN}|eu`, 'a partial update keeps the secrets');
    const rotated = await t.request('PUT', `/api/v1/tasks/${taskId}`, { parameters: { db_password: { secret: ROTATED }, region: 'eu' } });
    assert.equal(rotated.status, 200);
    assertNoPlaintext('the PUT response', rotated.body);
    assert.equal((await run()).received, `${ROTATED}|${TOKEN}|eu`);
    const restored = await t.request('PUT', `/api/v1/tasks/${taskId}`, { parameters: { db_password: { secret: PASSWORD }, region: 'eu' } });
    assert.equal(restored.status, 200);
  });

  it('refuses malformed secrets without echoing them', async () => {
    for (const [body, field] of [
      [{ ...taskBody(), name: 'bad1', parameters: { p: { secret: 42 } } }, 'parameters.p'],
      [{ ...taskBody(), name: 'bad2', parameters: { p: { $sealed: 'v1:x' } } }, 'parameters.p'],
      [{ ...taskBody(), name: 'bad3', env: { A: { secret: true } } }, 'env.A'],
    ] as const) {
      const response = await t.request('POST', '/api/v1/tasks', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      if (response.body.error.details?.field !== undefined) assert.equal(response.body.error.details.field, field);
      assertNoPlaintext('the error', response.body);
    }
  });

  it('masks a value split across two log chunks', async () => {
    const { id } = await run();
    const half = PASSWORD.length / 2;
    await t.server.store.logs.append(id, [
      { seq: 1000, stream: 'stdout', chunk: `first half ${PASSWORD.slice(0, half)}`, createdAt: Date.now() },
      { seq: 1001, stream: 'stdout', chunk: `${PASSWORD.slice(half)} second half`, createdAt: Date.now() },
    ]);
    const chunks = (await t.server.store.logs.read(id, 999, 10)).map((chunk) => chunk.chunk);
    assert.deepEqual(chunks, ['first half ******', '****** second half']);
  });

  it('keeps only ciphertext in the database rows', async () => {
    const db = rawDatabase(t.server.store).db;
    for (const table of ['tasks', 'executions', 'execution_logs'] as const) {
      const rows = await db.selectFrom(table).selectAll().execute();
      assert.ok(rows.length > 0, table);
      assertNoPlaintext(`the ${table} rows`, rows);
    }
    const task = await db.selectFrom('tasks').select(['parameters', 'spec']).where('id', '=', taskId).executeTakeFirstOrThrow();
    assert.match(task.parameters, /"db_password":\{"\$sealed":"v1:[^"]+"\}/);
    assert.match(task.spec, /"API_TOKEN":\{"\$sealed":"v1:[^"]+"\}/);
  });

  it('runs with the same key after a restart (the generated key stays in the data dir, mode 0600)', async () => {
    assert.equal(statSync(join(dataDir, 'secret-key')).mode & 0o777, 0o600);
    await stop();
    await start();
    assert.equal((await run()).received, `${PASSWORD}|${TOKEN}|eu`);
  });

  it('refuses to start with another key than the one the database was first used with', async () => {
    const otherKey = randomBytes(32).toString('base64');
    await assert.rejects(startTestServer({ dataDir, env: { CRONFLEET_SECRET_KEY: otherKey } }), (error: unknown) => isCronfleetError(error) && error.code === 'invalid_config' && /same secret_key/.test(error.message));
    await assert.rejects(startTestServer({ dataDir, env: { CRONFLEET_SECRET_KEY: 'too-short' } }), (error: unknown) => isCronfleetError(error) && error.code === 'invalid_config' && /secret_key/.test(error.message));
    // The instance still running is unaffected.
    assert.equal((await run()).received, `${PASSWORD}|${TOKEN}|eu`);
  });
});

describe("the server's own log", () => {
  it('never prints a secret value, at the most verbose level, through create, run, read and a failed request', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-secrets-log-'));
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const config = loadConfig({ env: {}, flags: { port: 0, host: '127.0.0.1', data_dir: dataDir, database: await testDatabaseUrl(dataDir) }, file: undefined });
    const server = await createServer(config, { logger });
    const url = await server.listen();
    const executor = await startLocalExecutor(server.gateway, { name: 'local', capacity: 2, labels: {}, version: 'test', log: (line) => void lines.push(line) });
    const watch = watchExecutions({ server } as TestServer);
    try {
      const request = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${server.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: response.status, body: (await response.json()) as any };
      };
      const created = await request('POST', '/api/v1/tasks', { name: 'logged', command: 'echo "$CRONFLEET_PARAM_P $T"', shell: true, env: { T: { secret: TOKEN } }, parameters: { p: { secret: PASSWORD } } });
      assert.equal(created.status, 201);
      const triggered = await request('POST', `/api/v1/tasks/${created.body.id}/trigger`, { parameters: { q: { secret: OVERRIDE } } });
      assert.equal(await watch.finished(triggered.body.id), 'success');
      await request('GET', `/api/v1/executions/${triggered.body.id}`);
      await request('GET', `/api/v1/executions/${triggered.body.id}/logs`);
      assert.equal((await request('PUT', `/api/v1/tasks/${created.body.id}`, { env: { T: { secret: ROTATED }, BAD: { secret: 7 } } })).status, 400);
      assert.ok(lines.length > 0, 'the logger was used');
      assertNoPlaintext('the server log', lines.join(''));
    } finally {
      watch.stop();
      await executor.stop();
      await server.close();
      await removeTestData(dataDir);
    }
  });
});
