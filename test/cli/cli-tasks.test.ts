// `cronfleet task …` against a real server: each command is the real CLI in a child process.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { hasStackTrace, ok, runCliAgainst } from './run-cli.ts';

describe('cronfleet task', () => {
  let t: TestServer;
  let cwd: string;
  const cli = (...args: string[]) => runCliAgainst(t, cwd, args);
  const storedByName = async (name: string) => (await t.request('GET', `/api/v1/tasks?search=${encodeURIComponent(name)}`)).body.items.find((task: { name: string }) => task.name === name);

  before(async () => {
    // A fake clock: no schedule fires while the CLI works on these tasks.
    t = await startTestServer({ clock: new FakeClock('2026-01-05T00:00:00.000Z'), executor: false });
    cwd = mkdtempSync(join(tmpdir(), 'cronfleet-cli-'));
  });
  after(async () => {
    await t.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('creates a task from flags and prints it as JSON', async () => {
    const stdout = ok(
      await cli(
        'task',
        'create',
        '--name',
        'nightly-backup',
        '--description',
        'copy the database',
        '--cron',
        '0 2 * * *',
        '--timezone',
        'Asia/Shanghai',
        '--command',
        '/bin/echo',
        '--arg',
        'hello',
        '--arg',
        'world',
        '--env',
        'MODE=full',
        '--label',
        'zone=a',
        '--param',
        'source=database_a',
        '--execution-mode',
        'sequential',
        '--strategy',
        'least_loaded',
        '--max-retry',
        '3',
        '--timeout',
        '600',
        '--misfire-policy',
        'skip',
      ),
    );
    const printed = JSON.parse(stdout);
    const stored = (await t.request('GET', `/api/v1/tasks/${printed.id}`)).body;
    assert.deepEqual(printed, stored);
    assert.equal(stored.type, 'command');
    assert.deepEqual(
      [stored.name, stored.description, stored.cron_expression, stored.timezone, stored.command, stored.args, stored.env, stored.executor_labels, stored.parameters],
      ['nightly-backup', 'copy the database', '0 2 * * *', 'Asia/Shanghai', '/bin/echo', ['hello', 'world'], { MODE: 'full' }, { zone: 'a' }, { source: 'database_a' }],
    );
    assert.deepEqual([stored.execution_mode, stored.load_balance_strategy, stored.max_retry, stored.timeout_seconds, stored.misfire_policy], ['sequential', 'least_loaded', 3, 600, 'skip']);
  });

  it('creates a task from a JSON file (seed 001 body)', async () => {
    const file = join(cwd, 'data-sync.json');
    writeFileSync(
      file,
      JSON.stringify({
        name: 'data_sync_task',
        cron_expression: '0 */5 * * * *',
        execution_mode: 'sequential',
        load_balance_strategy: 'round_robin',
        max_retry: 3,
        timeout_seconds: 600,
        parameters: { source: 'database_a', target: 'database_b' },
      }),
    );
    const printed = JSON.parse(ok(await cli('task', 'create', '-f', file)));
    assert.equal(printed.type, 'handler');
    assert.deepEqual((await t.request('GET', `/api/v1/tasks/${printed.id}`)).body.parameters, { source: 'database_a', target: 'database_b' });
  });

  it('creates a task from a YAML file, with flags overriding its fields', async () => {
    writeFileSync(
      join(cwd, 'report.yaml'),
      ['name: weekly-report', "cron_expression: '0 8 * * 1'", 'timezone: Europe/Berlin', 'command: /usr/bin/env', 'args: [echo, report]', 'parameters:', '  format: pdf', ''].join('\n'),
    );
    const printed = JSON.parse(ok(await cli('task', 'create', '--file', 'report.yaml', '--cron', '0 9 * * 1')));
    const stored = (await t.request('GET', `/api/v1/tasks/${printed.id}`)).body;
    assert.equal(stored.cron_expression, '0 9 * * 1');
    assert.equal(stored.timezone, 'Europe/Berlin');
    assert.deepEqual(stored.args, ['echo', 'report']);
    assert.deepEqual(stored.parameters, { format: 'pdf' });
  });

  it('creates a task paused with --paused', async () => {
    const printed = JSON.parse(ok(await cli('task', 'create', '--name', 'on-hold', '--cron', '@daily', '--command', '/bin/true', '--paused')));
    assert.equal(printed.status, 'paused');
    assert.equal(printed.next_fire_at, null);
  });

  it('reads --cron in the dialect --cron-dialect names, and refuses an unknown dialect naming the choices', async () => {
    const printed = JSON.parse(ok(await cli('task', 'create', '--name', 'xxl-style', '--cron', '0 0/5 * * * ?', '--cron-dialect', 'quartz', '--command', '/bin/true')));
    assert.equal(printed.cron_dialect, 'quartz');
    const wrong = await cli('task', 'create', '--name', 'bad-dialect', '--cron', '0 12 * * *', '--cron-dialect', 'spring', '--command', '/bin/true');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /--cron-dialect.*standard, quartz/);
  });

  it('lists tasks as a table with a count, and as JSON with --json', async () => {
    const table = ok(await cli('task', 'ls'));
    assert.match(table, /^ID\s+NAME\s+STATUS\s+TYPE/m);
    for (const name of ['nightly-backup', 'data_sync_task', 'weekly-report']) assert.match(table, new RegExp(`\\s${name}\\s`));
    const total = (await t.request('GET', '/api/v1/tasks')).body.total;
    assert.match(table, new RegExp(`^${total} task\\(s\\), page 1$`, 'm'));
    const paused = JSON.parse(ok(await cli('task', 'ls', '--status', 'paused', '--json')));
    assert.deepEqual(
      paused.items.map((task: { name: string }) => task.name),
      ['on-hold'],
    );
  });

  it('gets a task by name', async () => {
    const printed = JSON.parse(ok(await cli('task', 'get', 'weekly-report')));
    assert.deepEqual(printed, await storedByName('weekly-report'));
  });

  it('updates only the fields given', async () => {
    const before = await storedByName('nightly-backup');
    const printed = JSON.parse(ok(await cli('task', 'update', 'nightly-backup', '--cron', '30 3 * * *', '--max-retry', '5')));
    assert.equal(printed.cron_expression, '30 3 * * *');
    assert.equal(printed.max_retry, 5);
    assert.equal(printed.version, before.version + 1);
    assert.deepEqual([printed.command, printed.args, printed.timezone, printed.parameters], [before.command, before.args, before.timezone, before.parameters]);
    assert.notEqual(printed.next_fire_at, before.next_fire_at);
  });

  it('sets a history limit with --history-limit and lifts it with --history-limit none', async () => {
    ok(await cli('task', 'create', '--name', 'chatty-job', '--command', 'true', '--history-limit', '100', '--paused'));
    assert.equal((await storedByName('chatty-job')).history_limit, 100);
    ok(await cli('task', 'update', 'chatty-job', '--history-limit', 'none'));
    assert.equal((await storedByName('chatty-job')).history_limit, null);
    const refused = await cli('task', 'update', 'chatty-job', '--history-limit', '0');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /history_limit/);
  });

  it('triggers a task by name with --param overrides', async () => {
    const printed = JSON.parse(ok(await cli('task', 'trigger', 'nightly-backup', '--param', 'force_sync=true', '--param', 'target=database_c')));
    assert.equal(printed.trigger, 'manual');
    assert.deepEqual(printed.parameters, { source: 'database_a', force_sync: 'true', target: 'database_c' });
    const execution = await t.request('GET', `/api/v1/executions/${printed.id}`);
    assert.equal(execution.status, 200);
    assert.equal(execution.body.task_name, 'nightly-backup');
  });

  it('pauses and resumes a task by name', async () => {
    assert.equal(ok(await cli('task', 'pause', 'weekly-report')), 'weekly-report: paused\n');
    const paused = await storedByName('weekly-report');
    assert.equal(paused.status, 'paused');
    assert.equal(paused.next_fire_at, null);
    assert.equal(ok(await cli('task', 'resume', 'weekly-report')), 'weekly-report: active\n');
    const resumed = await storedByName('weekly-report');
    assert.equal(resumed.status, 'active');
    assert.ok(resumed.next_fire_at);
  });

  it('deletes a task by name; afterwards the name is not found', async () => {
    const id = (await storedByName('on-hold')).id;
    assert.equal(ok(await cli('task', 'delete', 'on-hold')), 'deleted on-hold\n');
    assert.equal((await t.request('GET', `/api/v1/tasks/${id}`)).status, 404);
    const missing = await cli('task', 'get', 'on-hold');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no task with id or name 'on-hold'/);
  });

  it("reports the server's refusal with its code and exits 1, without a stack trace", async () => {
    const before = (await t.request('GET', '/api/v1/tasks')).body.total;
    const duplicate = await cli('task', 'create', '--name', 'nightly-backup', '--command', '/bin/true');
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /name_taken, HTTP 409/);
    const badCron = await cli('task', 'create', '--name', 'bad-cron', '--cron', '0 0 * *', '--command', '/bin/true');
    assert.equal(badCron.code, 1);
    assert.match(badCron.stderr, /invalid_cron, HTTP 400/);
    assert.ok(!hasStackTrace(duplicate.stderr + badCron.stderr));
    assert.equal((await t.request('GET', '/api/v1/tasks')).body.total, before);
  });
});
