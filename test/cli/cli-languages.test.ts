// The CLI in a Chinese locale: it sends Accept-Language from LC_ALL / LC_MESSAGES / LANG,
// so the server's messages come back in Chinese; and it addresses tasks by Chinese names.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { languageOfLocale } from '../../src/cli/client.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { runCli } from './run-cli.ts';

describe('the CLI in a Chinese locale', () => {
  let t: TestServer;
  let cwd: string;
  const cli = (args: string[], locale: Record<string, string>) => runCli([...args, '--server', t.url, '--token', t.token], { cwd, env: { LC_ALL: '', LC_MESSAGES: '', LANG: '', ...locale } });

  before(async () => {
    t = await startTestServer({ executor: false });
    cwd = mkdtempSync(join(tmpdir(), 'cronfleet-cli-'));
  });
  after(async () => {
    await t.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('reads the language from the locale variables in POSIX order', () => {
    assert.equal(languageOfLocale({ LANG: 'zh_CN.UTF-8' }), 'zh-CN');
    assert.equal(languageOfLocale({ LANG: 'en_US.UTF-8', LC_MESSAGES: 'zh_CN.UTF-8' }), 'zh-CN');
    assert.equal(languageOfLocale({ LANG: 'zh_CN.UTF-8', LC_ALL: 'en_GB.UTF-8' }), 'en-GB');
    assert.equal(languageOfLocale({ LANG: 'zh_TW' }), 'zh-TW');
    assert.equal(languageOfLocale({ LANG: 'C.UTF-8' }), null);
    assert.equal(languageOfLocale({ LANG: 'POSIX' }), null);
    assert.equal(languageOfLocale({}), null);
  });

  it('prints the server’s error in Chinese under LANG=zh_CN.UTF-8, and in English under en_US', async () => {
    const chinese = await cli(['task', 'create', '--name', '数据/同步', '--command', '/bin/true'], { LANG: 'zh_CN.UTF-8' });
    assert.notEqual(chinese.code, 0);
    assert.match(chinese.stderr, /name：必须为 1–128 个字符/);
    assert.match(chinese.stderr, /invalid_task/);
    const english = await cli(['task', 'create', '--name', '数据/同步', '--command', '/bin/true'], { LANG: 'en_US.UTF-8' });
    assert.match(english.stderr, /name: must be 1–128 characters: letters and digits of any script/);
    const cron = await cli(['task', 'create', '--name', '数据同步任务', '--command', '/bin/true', '--cron', '0 0 * * 9'], { LANG: 'zh_CN.UTF-8' });
    assert.match(cron.stderr, /无效的 cron 表达式 '0 0 \* \* 9'：星期值 9 超出 standard 方言的范围/);
  });

  it('creates a task with a Chinese name and addresses it by that name', async () => {
    const created = await cli(['task', 'create', '--name', '数据同步任务', '--command', '/bin/true', '--description', '每天同步数据'], { LANG: 'zh_CN.UTF-8' });
    assert.equal(created.code, 0, created.stderr);
    const shown = await cli(['task', 'get', '数据同步任务'], { LANG: 'zh_CN.UTF-8' });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).name, '数据同步任务');
    // A decomposed spelling of a name names the same task.
    assert.equal((await cli(['task', 'create', '--name', 'cafe\u0301', '--command', '/bin/true'], {})).code, 0);
    const decomposed = await cli(['task', 'get', 'cafe\u0301'], {});
    assert.equal(decomposed.code, 0, decomposed.stderr);
    assert.equal(JSON.parse(decomposed.stdout).name, 'caf\u00e9');
  });
});
