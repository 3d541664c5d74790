// Task list filters run in the database: tags (one or several, all must match), search, type.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('task list filters', () => {
  let t: TestServer;
  const names = async (query: string) => (await t.request('GET', `/api/v1/tasks?${query}`)).body.items.map((task: { name: string }) => task.name);
  before(async () => {
    t = await startTestServer({ clock: new FakeClock('2026-01-05T00:00:00.000Z'), executor: false });
    for (const [name, tags] of [
      ['a', ['billing', 'nightly']],
      ['b', ['billing']],
      ['c', ['billing-old']],
      ['d', ['50%_off']],
    ] as const) {
      assert.equal((await t.request('POST', '/api/v1/tasks', { name, tags, command: '/bin/true' })).status, 201);
    }
  });
  after(() => t.close());

  it('matches a whole tag, not a prefix, and all of several tags', async () => {
    assert.deepEqual(await names('tag=billing'), ['a', 'b']);
    assert.deepEqual(await names('tag=billing&tag=nightly'), ['a']);
    assert.deepEqual(await names('tag=bill'), []);
  });

  it('treats LIKE wildcards in a tag as plain text', async () => {
    assert.deepEqual(await names(`tag=${encodeURIComponent('50%_off')}`), ['d']);
    assert.deepEqual(await names('tag=%25'), []);
  });

  it('counts only matching tasks in total, across pages', async () => {
    const page = (await t.request('GET', '/api/v1/tasks?tag=billing&page_size=1&page=2')).body;
    assert.equal(page.total, 2);
    assert.deepEqual(
      page.items.map((task: { name: string }) => task.name),
      ['b'],
    );
  });
});
