// Task names in any script (issue 14): 数据同步任务 is a name; slashes, control characters
// and leading or trailing spaces are not; two spellings of one text (NFC and NFD) are one
// name, while names that differ in case or in a rare ideograph stay apart on every
// database (MariaDB's default collation would merge them). Search reads names and
// descriptions, with LIKE wildcards as plain text.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('task names in any script, and search', () => {
  let t: TestServer;
  const create = (name: string, fields: Record<string, unknown> = {}) => t.request('POST', '/api/v1/tasks', { name, command: '/bin/true', ...fields });
  const search = async (text: string) => ((await t.request('GET', `/api/v1/tasks?search=${encodeURIComponent(text)}&page_size=100`)).body.items as Array<{ name: string }>).map((task) => task.name).sort();

  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  it('accepts names of letters and digits of any script, with spaces and _ . : - inside', async () => {
    for (const name of ['数据同步任务', 'Überweisung täglich', 'отчёт-2026', 'レポート_夜間', 'backup.db:v2', '任务 1', 'ア']) {
      const created = await create(name);
      assert.equal(created.status, 201, `${name}: ${JSON.stringify(created.body)}`);
      assert.equal(created.body.name, name);
      const read = await t.request('GET', `/api/v1/tasks/${created.body.id}`);
      assert.equal(read.body.name, name);
    }
  });

  it('refuses slashes, control characters, other symbols and leading or trailing spaces, saying which characters are allowed', async () => {
    for (const name of ['数据/同步', 'a\\b', 'tab\there', 'line\nbreak', ' 数据', '数据 ', '-start', 'a?b', 'a#b', 'a%2Fb', 'emoji🙂', 'zero\u200bwidth', 'full\u3000width', 'x'.repeat(129)]) {
      const refused = await create(name);
      assert.equal(refused.status, 400, JSON.stringify(name));
      assert.equal(refused.body.error.code, 'invalid_task');
      assert.equal(refused.body.error.details.field, 'name');
      assert.match(refused.body.error.message, /letters and digits of any script, spaces, and _ \. : -/);
    }
    assert.equal((await create('长'.repeat(128))).status, 201);
  });

  it('stores a name composed (NFC), so a decomposed spelling of the same name is taken', async () => {
    const composed = 'caf\u00e9 nightly';
    const decomposed = 'cafe\u0301 nightly';
    const first = await create(decomposed);
    assert.equal(first.status, 201);
    assert.equal(first.body.name, composed);
    const second = await create(composed);
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'name_taken');
  });

  it('keeps names apart that differ in case, accents or a rare ideograph, on every database', async () => {
    for (const [a, b] of [
      ['Backup', 'backup'],
      ['resume', 'résumé'],
      ['\u{20000}任务', '\u{20001}任务'],
    ]) {
      assert.equal((await create(a!)).status, 201, a);
      const other = await create(b!);
      assert.equal(other.status, 201, `${b}: ${JSON.stringify(other.body)}`);
      assert.equal(other.body.name, b);
    }
    // And a taken name is still taken, exactly.
    assert.equal((await create('\u{20000}任务')).status, 409);
  });

  it('frees a deleted task’s Chinese name for a new task', async () => {
    const first = await create('清理日志');
    assert.equal((await t.request('DELETE', `/api/v1/tasks/${first.body.id}`)).status, 204);
    assert.equal((await create('清理日志')).status, 201);
  });

  it('finds tasks by a part of their name or of their description', async () => {
    assert.equal((await create('nightly-sync', { description: '每天夜里把数据同步到备份库' })).status, 201);
    assert.equal((await create('报表生成', { description: 'builds the reports' })).status, 201);
    assert.deepEqual(await search('数据'), ['nightly-sync', '数据同步任务']);
    assert.deepEqual(await search('REPORTS'), ['报表生成']);
    assert.deepEqual(await search('报表'), ['报表生成']);
    assert.deepEqual(await search('BACKUP'), ['Backup', 'backup', 'backup.db:v2']);
  });

  it('treats % and _ in the search text as plain characters', async () => {
    assert.equal((await create('discount', { description: '50%_off 促销' })).status, 201);
    assert.equal((await create('discount-b', { description: '50 off' })).status, 201);
    assert.deepEqual(await search('50%_off'), ['discount']);
    assert.deepEqual(await search('%'), ['discount']);
    assert.deepEqual(await search('_'), ['discount', 'レポート_夜間']);
  });

  it('searches in the composed form, so a decomposed query finds a composed name', async () => {
    assert.deepEqual(await search('cafe\u0301'), ['caf\u00e9 nightly']);
  });
});
