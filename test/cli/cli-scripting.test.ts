// The CLI as scripts use it, against a real server with a local executor: -o table|json|yaml
// on every read command, the exit status (0 done, 1 failed, 2 usage), trigger --wait and
// logs -f exiting with the run's outcome, files from `task get` and from pipes, a reader
// that closes the pipe early, the environment variables, the fleet commands, completion.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { cliPath, hasStackTrace, ok, runCli, runCliAgainst, type CliResult } from './run-cli.ts';

describe('the CLI for scripts', () => {
  let t: TestServer;
  let cwd: string;
  const cli = (...args: string[]) => runCliAgainst(t, cwd, args);
  /** A shell script run with `$CLI`, the server and the token in its environment. */
  const shell = (script: string, program = 'sh') =>
    new Promise<CliResult>((resolve) => {
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', CLI: cliPath, CRONFLEET_SERVER: t.url, CRONFLEET_TOKEN: t.token };
      execFile(program, ['-c', script], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
    });
  let successId = '';
  let failureId = '';

  before(async () => {
    t = await startTestServer();
    cwd = mkdtempSync(join(tmpdir(), 'cronfleet-scripting-'));
    for (const [name, command] of [
      ['succeeds', 'echo all good'],
      ['fails', 'echo broken >&2; exit 3'],
    ]) {
      assert.equal((await t.request('POST', '/api/v1/tasks', { name, command, shell: true, cron_expression: '0 3 * * *' })).status, 201);
    }
  });
  after(async () => {
    await t.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('exits 0 from task trigger --wait for a run that succeeds, printing the ended execution', async () => {
    const result = await cli('task', 'trigger', 'succeeds', '--wait');
    const execution = JSON.parse(ok(result)) as { id: string; status: string };
    assert.equal(execution.status, 'success');
    successId = execution.id;
  });

  it('exits 1 from task trigger --wait for a run that fails, saying how it ended', async () => {
    const result = await cli('task', 'trigger', 'fails', '--wait', '-o', 'yaml');
    assert.equal(result.code, 1, result.stderr);
    const execution = parseYaml(result.stdout) as { id: string; status: string };
    assert.equal(execution.status, 'failed');
    assert.match(result.stderr, new RegExp(`execution ${execution.id} ended failed: .*3`));
    failureId = execution.id;
  });

  it('follows the retries with --wait: a run that fails once and succeeds on its retry exits 0', async () => {
    const marker = join(cwd, 'flaky-ran-once');
    const command = `if [ -f '${marker}' ]; then echo second try; else touch '${marker}'; exit 1; fi`;
    assert.equal((await t.request('POST', '/api/v1/tasks', { name: 'flaky', command, shell: true, max_retry: 1, retry_backoff_seconds: 1 })).status, 201);
    const execution = JSON.parse(ok(await cli('task', 'trigger', 'flaky', '--wait'))) as { status: string; attempt: number; retry_of: string | null };
    assert.deepEqual([execution.status, execution.attempt], ['success', 2]);
    assert.ok(execution.retry_of);
  });

  it('gives up waiting after --wait-timeout with exit 1, leaving the run going', async () => {
    assert.equal((await t.request('POST', '/api/v1/tasks', { name: 'slow', command: 'sleep 30', shell: true })).status, 201);
    const result = await cli('task', 'trigger', 'slow', '--wait', '--wait-timeout', '1');
    assert.equal(result.code, 1);
    const id = /gave up waiting for execution (\S+) \(still (pending|running)\)/.exec(result.stderr)?.[1];
    assert.ok(id, result.stderr);
    assert.ok(['pending', 'running'].includes((await t.request('GET', `/api/v1/executions/${id}`)).body.status));
    ok(await cli('execution', 'stop', id, '--force'));
  });

  it('exits from execution logs -f with the outcome: 0 after a success, 1 after a failure', async () => {
    const success = await cli('execution', 'logs', '-f', successId);
    assert.equal(success.code, 0, success.stderr);
    assert.equal(success.stdout, 'all good\n');
    const failure = await cli('execution', 'logs', '-f', failureId);
    assert.equal(failure.code, 1);
    assert.match(failure.stderr, /broken\n[^]*\[execution failed\]/);
  });

  it('prints every read command as table, JSON or YAML, the YAML the same data as the JSON', async () => {
    const reads: Array<{ args: string[]; table: RegExp }> = [
      { args: ['task', 'ls'], table: /^ID\s+NAME\s+STATUS/m },
      { args: ['task', 'get', 'succeeds'], table: /^name:\s+succeeds$/m },
      { args: ['task', 'stats', 'fails'], table: /^BUCKET\s+TOTAL/m },
      { args: ['execution', 'ls'], table: /^ID\s+TASK_NAME/m },
      { args: ['execution', 'get', successId], table: /^status:\s+success$/m },
      { args: ['executor', 'ls'], table: /^ID\s+NAME\s+KIND\s+STATUS/m },
      { args: ['cluster', 'status'], table: /^leader:/m },
      { args: ['schedule', 'preview', '0 9 * * 1-5', '--tz', 'Asia/Shanghai', '--count', '3'], table: /Monday through Friday/ },
    ];
    for (const { args, table } of reads) {
      assert.match(ok(await cli(...args, '-o', 'table')), table, args.join(' '));
      const json: unknown = JSON.parse(ok(await cli(...args, '-o', 'json')));
      const yaml: unknown = parseYaml(ok(await cli(...args, '-o', 'yaml')));
      // Ages and heartbeats move between two calls; everything else is the same.
      const still = (value: unknown) => JSON.parse(JSON.stringify(value, (key, entry: unknown) => (/heartbeat|age_ms|database/.test(key) ? null : entry))) as unknown;
      assert.deepEqual(still(yaml), still(json), args.join(' '));
    }
    const preview = JSON.parse(ok(await cli('schedule', 'preview', '0 9 * * 1-5', '--tz', 'Asia/Shanghai', '--count', '3', '-o', 'json'))) as { fires: string[] };
    assert.equal(preview.fires.length, 3);
    assert.ok(preview.fires.every((fire) => new Date(fire).getUTCHours() === 1));
  });

  it('keeps --json as the older spelling of -o json, and refuses both contradicting', async () => {
    assert.deepEqual(JSON.parse(ok(await cli('task', 'ls', '--json'))), JSON.parse(ok(await cli('task', 'ls', '-o', 'json'))));
    const both = await cli('task', 'ls', '--json', '-o', 'yaml');
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--json and -o yaml contradict/);
  });

  it('exits 2 on usage errors and 1 on failures, never with a stack trace', async () => {
    const usage = [
      ['task', 'ls', '-o', 'xml'],
      ['task', 'ls', '--no-such-flag'],
      ['task', 'get'],
      ['task', 'frobnicate'],
      ['apply'],
      ['crontab', 'import', join(cwd, 'no-such-crontab')],
      ['crontab', 'import', '-', '--timezone', 'Mars/Olympus_Mons'],
    ];
    for (const args of usage) {
      const result = await cli(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.ok(!hasStackTrace(result.stderr), result.stderr);
    }
    const failed = [
      ['task', 'get', 'no-such-task'],
      ['execution', 'get', 'no-such-execution'],
      ['executor', 'drain', 'no-such-executor'],
    ];
    const fish = await runCli(['completion', 'fish'], { cwd });
    assert.equal(fish.code, 2, fish.stderr);
    for (const args of failed) {
      const result = await cli(...args);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.ok(!hasStackTrace(result.stderr), result.stderr);
    }
  });

  it('updates a task from the file task get -o yaml wrote, its read-only fields ignored', async () => {
    const file = join(cwd, 'succeeds.yaml');
    const before = ok(await cli('task', 'get', 'succeeds', '-o', 'yaml'));
    assert.match(before, /^version: \d+$/m);
    writeFileSync(file, before.replace("cron_expression: '0 3 * * *'", "cron_expression: '0 4 * * *'").replace('cron_expression: 0 3 * * *', 'cron_expression: 0 4 * * *'));
    assert.match(readFileSync(file, 'utf8'), /0 4 \* \* \*/);
    const updated = JSON.parse(ok(await cli('task', 'update', 'succeeds', '-f', file))) as { cron_expression: string };
    assert.equal(updated.cron_expression, '0 4 * * *');
  });

  it('reads -f - from a pipe written by another CLI call', async () => {
    const result = await shell(`"$CLI" task get succeeds -o yaml | "$CLI" task update succeeds -f - --cron '0 5 * * *'`);
    assert.equal(result.code, 0, result.stderr);
    const updated = JSON.parse(result.stdout) as { cron_expression: string; command: string };
    assert.deepEqual([updated.cron_expression, updated.command], ['0 5 * * *', 'echo all good']);
  });

  it('exits 0 without a word when the reader of its output closes the pipe early', async () => {
    // Enough tasks that the listing outgrows the pipe's buffer: the reader is gone before the last write.
    for (let index = 0; index < 150; index++) await t.request('POST', '/api/v1/tasks', { name: `filler-${index}`, command: '/bin/true', description: 'x'.repeat(400) });
    const result = await new Promise<CliResult>((resolve) => {
      const child = spawn(cliPath, ['task', 'ls', '--page-size', '1000', '-o', 'json', '--server', t.url, '--token', t.token], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
      child.stdout.once('data', () => child.stdout.destroy()); // `| head -c 1`
      child.on('close', (code) => resolve({ code, stdout: '', stderr }));
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const piped = await shell('"$CLI" task ls --page-size 1000 -o yaml | head -1; echo "exit ${?}"');
    assert.equal(piped.stderr, '');
  });

  it('takes the server and token from CRONFLEET_SERVER and CRONFLEET_TOKEN, and says how to pass a token on a 401', async () => {
    const listed = await runCli(['task', 'ls', '-o', 'json'], { cwd, env: { CRONFLEET_SERVER: t.url, CRONFLEET_TOKEN: t.token } });
    assert.equal(listed.code, 0, listed.stderr);
    const refused = await runCli(['task', 'ls'], { cwd, env: { CRONFLEET_SERVER: t.url, CRONFLEET_TOKEN: 'cf_wrong' } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\(unauthorized, HTTP 401\)\n.*--token TOKEN or the environment variable CRONFLEET_TOKEN/);
    const chinese = await runCli(['task', 'ls'], { cwd, env: { CRONFLEET_SERVER: t.url, LANG: 'zh_CN.UTF-8', LC_ALL: '' } });
    assert.match(chinese.stderr, /请用 --token TOKEN 或环境变量 CRONFLEET_TOKEN 提供 API 令牌/);
  });

  it('drains an executor and brings it back', async () => {
    const [local] = (await t.request('GET', '/api/v1/executors')).body.items as Array<{ id: string; name: string }>;
    assert.match(ok(await cli('executor', 'drain', local!.name, '--reason', 'kernel update')), /: maintenance/);
    assert.equal((await t.request('GET', `/api/v1/executors/${local!.id}`)).body.status, 'maintenance');
    assert.equal((parseYaml(ok(await cli('executor', 'resume', local!.id, '-o', 'yaml'))) as { status: string }).status, 'online');
  });

  it('prints a bash completion script built from every command, that completes commands, flags and choices', async () => {
    const script = ok(await runCli(['completion', 'bash'], { cwd }));
    writeFileSync(join(cwd, 'completion.bash'), script);
    const complete = (words: string[]) =>
      shell(`. ./completion.bash; COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _cronfleet; echo "\${COMPREPLY[*]}"`, 'bash').then((result) => {
        assert.equal(result.code, 0, result.stderr);
        return result.stdout.trim().split(' ');
      });
    const bash = await new Promise<boolean>((resolve) => execFile('bash', ['--version'], (error) => resolve(!error)));
    if (!bash) return;
    assert.deepEqual(await complete(['cronfleet', 'cr']), ['crontab']);
    assert.deepEqual(await complete(['cronfleet', 'task', 'ls', '-o', '']), ['table', 'json', 'yaml']);
    assert.deepEqual(await complete(['cronfleet', 'executor', 'dr']), ['drain']);
    assert.ok((await complete(['cronfleet', 'apply', '--'])).includes('--prune'));
    const zsh = ok(await runCli(['completion', 'zsh'], { cwd }));
    assert.match(zsh, /^#compdef cronfleet\n/);
  });
});
