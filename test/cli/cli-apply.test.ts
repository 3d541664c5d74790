// `cronfleet apply` and `cronfleet export` (tasks as code) against a real server: each
// command is the real CLI in a child process; pipes between two of them are real pipes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseTaskDefinition } from '../../src/domain/task.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { cliPath, hasStackTrace, ok, runCli, runCliAgainst, type CliResult } from './run-cli.ts';

/** A shell pipeline of CLI calls (`$CLI` is the CLI), with the server and token from the environment. */
function pipeline(script: string, t: TestServer, cwd: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, CLI: cliPath, CRONFLEET_SERVER: t.url, CRONFLEET_TOKEN: t.token };
    execFile('sh', ['-c', script], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });
}

describe('cronfleet apply and export', () => {
  let t: TestServer;
  let cwd: string;
  const cli = (...args: string[]) => runCliAgainst(t, cwd, args);
  const tasks = async () => (await t.request('GET', '/api/v1/tasks?page_size=1000')).body.items as Array<{ id: string; name: string; version: number; tags: string[] } & Record<string, unknown>>;
  const versions = async () => Object.fromEntries((await tasks()).map((task) => [task.name, task.version]));
  const file = (name: string, text: string) => {
    const path = join(cwd, name);
    writeFileSync(path, text);
    return path;
  };

  const teamA = [
    'name: team-a-backup',
    "cron_expression: '0 2 * * *'",
    'timezone: Asia/Shanghai',
    'command: /bin/echo',
    'args: [backup]',
    'tags: [team-a]',
    'env:',
    '  MODE: full',
    '  API_KEY: {secret: very-secret-value}',
    '---',
    '- name: team-a-report',
    "  cron_expression: '@daily'",
    "  http: {url: 'http://127.0.0.1:9/report', method: POST}",
    '  tags: [team-a]',
    '  max_retry: 2',
    '- name: team-a-cleanup',
    "  cron_expression: '*/15 * * * *'",
    '  command: find /tmp -mtime +7 -delete',
    '  shell: true',
    '  tags: [team-a]',
    '  status: paused',
    '',
  ].join('\n');

  before(async () => {
    t = await startTestServer({ clock: new FakeClock('2026-01-05T00:00:00.000Z'), executor: false });
    cwd = mkdtempSync(join(tmpdir(), 'cronfleet-apply-'));
    // A task no file names, without the tag: prune must never touch it.
    assert.equal((await t.request('POST', '/api/v1/tasks', { name: 'hand-made', command: '/bin/true', tags: ['team-b'] })).status, 201);
  });
  after(async () => {
    await t.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('prints the plan with --dry-run and changes nothing', async () => {
    const stdout = ok(await cli('apply', '-f', file('team-a.yaml', teamA), '--dry-run'));
    assert.match(stdout, /^create\s+team-a-backup$/m);
    assert.match(stdout, /^create\s+team-a-report$/m);
    assert.match(stdout, /^create\s+team-a-cleanup$/m);
    assert.match(stdout, /plan: 3 to create, 0 to update, 0 unchanged, 0 to delete/);
    assert.deepEqual(Object.keys(await versions()), ['hand-made']);
  });

  it('creates the tasks of one file holding a task and a list, as written', async () => {
    const stdout = ok(await cli('apply', '-f', join(cwd, 'team-a.yaml')));
    assert.match(stdout, /3 created, 0 updated, 0 unchanged, 0 deleted, 0 failed/);
    const byName = new Map((await tasks()).map((task) => [task.name, task]));
    const backup = byName.get('team-a-backup')!;
    assert.deepEqual([backup.cron_expression, backup.timezone, backup.command, backup.args, backup.env], ['0 2 * * *', 'Asia/Shanghai', '/bin/echo', ['backup'], { MODE: 'full', API_KEY: { secret: true } }]);
    assert.deepEqual((byName.get('team-a-report')!.http as { method: string }).method, 'POST');
    assert.equal(byName.get('team-a-cleanup')!.status, 'paused');
  });

  it('changes nothing when the same file is applied again: no task gets a new version', async () => {
    const before = await versions();
    const stdout = ok(await cli('apply', '-f', join(cwd, 'team-a.yaml')));
    assert.match(stdout, /0 created, 0 updated, 3 unchanged, 0 deleted, 0 failed/);
    assert.deepEqual(await versions(), before);
  });

  it('updates only the task whose document changed, and shows the field diff in the plan', async () => {
    const before = await versions();
    file('team-a.yaml', teamA.replace("'0 2 * * *'", "'30 3 * * *'"));
    const plan = ok(await cli('apply', '-f', join(cwd, 'team-a.yaml'), '--dry-run'));
    assert.match(plan, /^update\s+team-a-backup\n\s+cron_expression: "0 2 \* \* \*" -> "30 3 \* \* \*"$/m);
    assert.deepEqual(await versions(), before, 'a dry run changes nothing');
    ok(await cli('apply', '-f', join(cwd, 'team-a.yaml')));
    const after = await versions();
    assert.equal(after['team-a-backup'], before['team-a-backup']! + 1);
    assert.equal(after['team-a-report'], before['team-a-report']);
    assert.equal(after['team-a-cleanup'], before['team-a-cleanup']);
  });

  it('puts a field left out of the document back to its default', async () => {
    file('team-a.yaml', teamA.replace('  max_retry: 2\n', ''));
    const plan = ok(await cli('apply', '-f', join(cwd, 'team-a.yaml')));
    assert.match(plan, /^updated\s+team-a-report\n\s+max_retry: 2 -> 0$/m);
    assert.equal((await tasks()).find((task) => task.name === 'team-a-report')!.max_retry, 0);
  });

  it('exports tasks with secrets as references, never their values', async () => {
    const stdout = ok(await cli('export', '--selector', 'tag=team-a'));
    assert.ok(!stdout.includes('very-secret-value'));
    const documents = parseAllDocuments(stdout).map((document) => document.toJS() as Record<string, unknown>);
    assert.deepEqual(
      documents.map((document) => document.name),
      ['team-a-backup', 'team-a-cleanup', 'team-a-report'],
    );
    assert.deepEqual(documents[0]!.env, { MODE: 'full', API_KEY: { secret: true } });
    assert.equal(documents[1]!.status, 'paused');
    assert.equal(documents[0]!.max_retry, undefined, 'defaults are left out');
    const json = JSON.parse(ok(await cli('export', '--selector', 'tag=team-a', '-o', 'json')));
    assert.deepEqual(json, documents);
  });

  it('round-trips: export | apply -f - through a pipe changes nothing', async () => {
    const before = await versions();
    for (const format of ['yaml', 'json']) {
      const result = await pipeline(`"$CLI" export -o ${format} | "$CLI" apply -f -`, t, cwd);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /0 created, 0 updated, 4 unchanged, 0 deleted, 0 failed/);
    }
    assert.deepEqual(await versions(), before);
  });

  it('with --prune --selector deletes the tagged tasks the file no longer names, and no other', async () => {
    file('team-a.yaml', teamA.split('---')[0]!);
    const plan = ok(await cli('apply', '-f', join(cwd, 'team-a.yaml'), '--prune', '--selector', 'tag=team-a', '--dry-run'));
    assert.match(plan, /^delete\s+team-a-report$/m);
    assert.match(plan, /^delete\s+team-a-cleanup$/m);
    assert.ok(!plan.includes('hand-made'));
    const done = ok(await cli('apply', '-f', join(cwd, 'team-a.yaml'), '--prune', '--selector', 'tag=team-a'));
    assert.match(done, /0 created, 0 updated, 1 unchanged, 2 deleted, 0 failed/);
    assert.deepEqual((await tasks()).map((task) => task.name).sort(), ['hand-made', 'team-a-backup']);
  });

  it('refuses --prune without a selector, and a selector that is not tag=KEY, as usage errors', async () => {
    const bare = await cli('apply', '-f', join(cwd, 'team-a.yaml'), '--prune');
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /--prune needs --selector tag=KEY/);
    const wrong = await cli('export', '--selector', 'team=a');
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--selector must look like tag=KEY, got 'team=a'/);
  });

  it('applies every .yaml, .yml and .json file of a directory', async () => {
    const directory = join(cwd, 'tasks');
    mkdirSync(directory);
    writeFileSync(join(directory, 'one.yaml'), 'name: dir-one\ncommand: /bin/true\n');
    writeFileSync(join(directory, 'two.json'), JSON.stringify([{ name: 'dir-two', command: '/bin/true' }]));
    writeFileSync(join(directory, 'notes.txt'), 'not a task');
    assert.match(ok(await cli('apply', '-f', directory)), /2 created/);
    assert.match(ok(await cli('apply', '-f', directory)), /0 created, 0 updated, 2 unchanged/);
  });

  it('refuses a bad document before changing anything, naming the file and the field (exit 2)', async () => {
    const before = await versions();
    const path = file('bad.yaml', 'name: fine-one\ncommand: /bin/true\n---\nname: broken\ncommand: /bin/true\ncron_expression: 0 0 * *\n');
    const result = await cli('apply', '-f', path);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /bad\.yaml#2: .*invalid cron expression|bad\.yaml#2: .*cron/);
    assert.ok(!hasStackTrace(result.stderr), result.stderr);
    assert.deepEqual(await versions(), before);
    const twice = await cli('apply', '-f', file('twice.yaml', 'name: same\ncommand: /bin/true\n---\nname: same\ncommand: /bin/false\n'));
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /task 'same' is defined twice/);
    const typo = await cli('apply', '-f', file('typo.yaml', 'name: typo\ncommand: /bin/true\nstatus: pasued\n'));
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /typo\.yaml: status must be active or paused, got "pasued"/);
  });

  it('exits 1 when the server refuses a change, having done the others', async () => {
    // A secret reference ({secret: true}) can only keep a stored value: a new task has none.
    const path = file('refused.yaml', 'name: refused-secret\ncommand: /bin/true\nenv: {TOKEN: {secret: true}}\n---\nname: accepted-one\ncommand: /bin/true\n');
    const result = await cli('apply', '-f', path);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^failed to create refused-secret: /m);
    assert.match(result.stdout, /1 created, 0 updated, 0 unchanged, 0 deleted, 1 failed/);
    assert.ok((await versions())['accepted-one'] !== undefined);
  });

  it('exports the other tasks and exits 1 when the server cannot read a stored definition', async () => {
    // What an older version stored: a fire cursor past year 9999 (test/security/input-bounds.test.ts).
    const definition = parseTaskDefinition({ name: 'from-older-version', command: '/bin/true', tags: ['legacy'] });
    await t.server.store.tasks.create('0190e1a8-0000-7000-8000-000000000002', { ...definition, cronExpression: '@every 9999999h' }, 'active', 9e15, Date.parse('2026-01-05T00:00:00.000Z'));
    await t.request('POST', '/api/v1/tasks', { name: 'legacy-fine', command: '/bin/true', tags: ['legacy'] });
    const result = await cli('export', '--selector', 'tag=legacy');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not exported: from-older-version: this task's stored definition cannot be read/);
    assert.deepEqual(
      parseAllDocuments(result.stdout).map((document) => (document.toJS() as { name: string }).name),
      ['legacy-fine'],
    );
  });

  it('gives the plan and the outcome as JSON with -o json, secret values masked', async () => {
    const path = join(cwd, 'team-a.yaml');
    const plan = JSON.parse(ok(await cli('apply', '-f', path, '--update-secrets', '--dry-run', '-o', 'json'))) as {
      done: boolean;
      steps: Array<{ action: string; name: string; changes: Array<{ field: string; from: unknown; to: unknown }> }>;
    };
    assert.equal(plan.done, false);
    assert.deepEqual(plan.steps, [
      {
        action: 'update',
        name: 'team-a-backup',
        source: path,
        changes: [{ field: 'env', from: { MODE: 'full', API_KEY: { secret: true } }, to: { MODE: 'full', API_KEY: { secret: '******' } } }],
      },
    ]);
    const done = parseYaml(ok(await cli('apply', '-f', path, '-o', 'yaml'))) as { done: boolean; steps: Array<{ action: string; error: string | null }> };
    assert.deepEqual(done, { done: true, steps: [{ action: 'unchanged', name: 'team-a-backup', source: path, changes: [], error: null }] });
  });

  it('prints its plan in Chinese under a Chinese locale', async () => {
    const result = await runCli(['apply', '-f', join(cwd, 'team-a.yaml'), '--dry-run', '--server', t.url, '--token', t.token], { cwd, env: { LANG: 'zh_CN.UTF-8', LC_ALL: '' } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^不变\s+team-a-backup$/m);
    assert.match(result.stdout, /计划：创建 0 个，更新 0 个，不变 1 个，删除 0 个/);
  });
});
