// `cronfleet crontab import`: how crontab lines translate (pure), and importing against a
// real server with a local executor running the imported commands.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { splitPercent, translateCrontab } from '../../src/cli/crontab-commands.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { cliPath, runCli, type CliResult } from './run-cli.ts';

const userCrontab = [
  '# m h  dom mon dow   command',
  'MAILTO=ops@example.com',
  'GREETING="hello there"',
  'CRON_TZ=Europe/Berlin',
  '',
  '# nightly dump',
  '# keeps a week',
  '30 2 * * * /usr/local/bin/dump.sh --all > /var/log/dump.log 2>&1',
  '@daily find /tmp -mtime +7 -delete',
  '@reboot /usr/local/bin/start-agent',
  '*/5 * * * * cat%first line%second \\% line',
  '61 * * * * /bin/bad-minute',
  '0 0 * * *',
  '',
].join('\n');

const translate = (text: string, system = false) => translateCrontab(text, { source: 'crontab', system, timezone: 'UTC', tags: ['crontab'] });

describe('crontab lines as tasks', () => {
  it('turns unescaped % into the end of the command, then newlines of its input; \\% is a %', () => {
    assert.deepEqual(splitPercent('cat%first%second \\% third'), { command: 'cat', input: 'first\nsecond % third' });
    assert.deepEqual(splitPercent('date +\\%Y-\\%m'), { command: 'date +%Y-%m', input: null });
  });

  it('reads environment lines, nicknames and comments; lists what it cannot translate with the reason', () => {
    const { documents, skipped } = translate(userCrontab);
    assert.deepEqual(
      documents.map((document) => [document.source, document.body.cron_expression, document.body.timezone]),
      [
        ['crontab:8', '30 2 * * *', 'Europe/Berlin'],
        ['crontab:9', '0 0 * * *', 'Europe/Berlin'],
        ['crontab:11', '*/5 * * * *', 'Europe/Berlin'],
      ],
    );
    const [dump, find, cat] = documents.map((document) => document.body);
    assert.equal(dump!.description, 'nightly dump\nkeeps a week');
    assert.equal(dump!.command, '/usr/local/bin/dump.sh --all > /var/log/dump.log 2>&1');
    assert.equal(dump!.shell, true);
    assert.deepEqual(dump!.env, { GREETING: 'hello there' });
    assert.equal(find!.description, 'crontab: @daily find /tmp -mtime +7 -delete');
    assert.equal(cat!.command, "cat <<'CRONTAB_INPUT'\nfirst line\nsecond % line\nCRONTAB_INPUT");
    assert.deepEqual(
      skipped.map((line) => [line.line, line.reason.split(':')[0]]),
      [
        [2, 'cronfleet sends no mail'],
        [10, '@reboot has no equivalent'],
        [12, "invalid cron expression '61 * * * *'"],
        [13, 'not a crontab line'],
      ],
    );
  });

  it('derives the same names from the same lines, and different names from different lines', () => {
    const names = (text: string) => translate(text).documents.map((document) => document.body.name);
    const first = names(userCrontab);
    assert.deepEqual(names(userCrontab), first);
    assert.match(String(first[0]), /^cron-dump\.sh-[0-9a-f]{8}$/);
    assert.equal(new Set(first).size, first.length);
    assert.notDeepEqual(names(userCrontab.replace('30 2 * * *', '30 3 * * *'))[0], first[0]);
  });

  it('reads the user column of a system crontab into a tag, and runs a SHELL= shell', () => {
    const { documents, skipped } = translate('SHELL=/bin/bash\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n@weekly backup /opt/backup.sh\n', true);
    assert.deepEqual(skipped, []);
    assert.deepEqual(documents[0]!.body.tags, ['crontab', 'cron-user:root']);
    assert.deepEqual([documents[0]!.body.command, documents[0]!.body.args], ['/bin/bash', ['-c', 'cd / && run-parts --report /etc/cron.hourly']]);
    assert.deepEqual([documents[1]!.body.cron_expression, documents[1]!.body.tags], ['0 0 * * 0', ['crontab', 'cron-user:backup']]);
  });
});

describe('cronfleet crontab import', () => {
  let t: TestServer;
  let cwd: string;
  let path: string;
  const cli = (...args: string[]) => runCli([...args, '--server', t.url, '--token', t.token], { cwd });
  const ok = (result: CliResult) => {
    assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    return result;
  };
  const tasks = async () => (await t.request('GET', '/api/v1/tasks?page_size=1000')).body.items as Array<{ id: string; name: string; version: number; tags: string[] }>;

  before(async () => {
    t = await startTestServer();
    cwd = mkdtempSync(join(tmpdir(), 'cronfleet-crontab-'));
    path = join(cwd, 'crontab');
    writeFileSync(path, userCrontab);
  });
  after(async () => {
    await t.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('prints the tasks it would create with --dry-run, as documents apply takes, and creates none', async () => {
    const { stdout, stderr } = ok(await cli('crontab', 'import', path, '--dry-run', '--timezone', 'UTC'));
    const documents = parseAllDocuments(stdout).map((document) => document.toJS() as { name: string });
    assert.equal(documents.length, 3);
    assert.match(stdout, /^# create: .*crontab:8$/m);
    assert.match(stderr, /not imported \(4\):/);
    assert.match(stderr, /crontab:10: @reboot \/usr\/local\/bin\/start-agent\n\s+@reboot has no equivalent/);
    assert.deepEqual(await tasks(), []);
    const saved = join(cwd, 'from-crontab.yaml');
    writeFileSync(saved, stdout);
    assert.match(ok(await cli('apply', '-f', saved, '--dry-run')).stdout, /plan: 3 to create/);
  });

  it('creates a task per line, and a second import creates nothing and changes no version', async () => {
    const first = ok(await cli('crontab', 'import', path));
    assert.match(first.stdout, /3 created, 0 updated, 0 unchanged, 0 deleted, 0 failed/);
    const before = await tasks();
    assert.equal(before.length, 3);
    assert.ok(before.every((task) => task.tags.includes('crontab')));
    const second = ok(await cli('crontab', 'import', path));
    assert.match(second.stdout, /0 created, 0 updated, 3 unchanged, 0 deleted, 0 failed/);
    assert.deepEqual(await tasks(), before);
  });

  it('reads the crontab from a pipe with -', async () => {
    const result = await new Promise<CliResult>((resolve) => {
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', CLI: cliPath, CRONTAB: path, CRONFLEET_SERVER: t.url, CRONFLEET_TOKEN: t.token };
      execFile('sh', ['-c', 'cat "$CRONTAB" | "$CLI" crontab import -'], { cwd, env }, (error, stdout, stderr) => resolve({ code: error ? 1 : 0, stdout, stderr }));
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /0 created, 0 updated, 3 unchanged/);
  });

  it('runs an imported command with the input its % gave it', async () => {
    const task = (await tasks()).find((candidate) => candidate.name.startsWith('cron-cat-'))!;
    const triggered = ok(await cli('task', 'trigger', task.name, '--wait'));
    const execution = JSON.parse(triggered.stdout) as { id: string; status: string };
    assert.equal(execution.status, 'success');
    assert.equal(ok(await cli('execution', 'logs', execution.id)).stdout, 'first line\nsecond % line\n');
  });
});
