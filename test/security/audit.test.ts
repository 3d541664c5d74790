// Every change lands in the audit log with who, what, when, before and after.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('audit log', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  const entries = async (query = '') => (await t.request('GET', `/api/v1/audit?page_size=100${query}`)).body.items as Array<Record<string, any>>;

  it('records a task through create, update, pause and delete with before and after', async () => {
    const created = await t.request('POST', '/api/v1/tasks', { name: 'audited', cron_expression: '0 * * * *', command: '/bin/true' });
    await t.request('PUT', `/api/v1/tasks/${created.body.id}`, { description: 'now described' });
    await t.request('POST', `/api/v1/tasks/${created.body.id}/pause`);
    await t.request('DELETE', `/api/v1/tasks/${created.body.id}`);
    const log = (await entries(`&resource_type=task&resource_id=${created.body.id}`)).reverse();
    assert.deepEqual(
      log.map((entry) => entry.action),
      ['task.create', 'task.update', 'task.pause', 'task.delete'],
    );
    for (const entry of log) {
      assert.equal(entry.actor, 'admin-token');
      assert.ok(Date.parse(entry.at) > 0);
    }
    const [create, update, pause, remove] = log;
    assert.equal(create!.before, null);
    assert.equal(create!.after.name, 'audited');
    assert.equal(update!.before.description, '');
    assert.equal(update!.after.description, 'now described');
    assert.equal(pause!.before.status, 'active');
    assert.equal(pause!.after.status, 'paused');
    assert.equal(remove!.before.name, 'audited');
  });

  it('names the user or token that made the change, and logs failed sign-ins', async () => {
    const token = await t.request('POST', '/api/v1/tokens', { name: 'ci', role: 'operator' });
    await t.request('POST', '/api/v1/tasks', { name: 'by-ci', command: '/bin/true' }, token.body.token);
    const [latest] = await entries('&action=task.create');
    assert.equal(latest!.actor, 'token:ci');
    await fetch(`${t.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'wrong-password' }) });
    const [failed] = await entries('&action=auth.login_failed');
    assert.equal(failed!.actor, 'user:admin');
  });

  it('never copies a secret shown once into the log', async () => {
    await t.request('POST', '/api/v1/executor-tokens', { name: 'agent-1' });
    const user = await t.request('POST', '/api/v1/users', { username: 'auditee', role: 'viewer' });
    const text = JSON.stringify(await entries());
    assert.equal(text.includes(user.body.password), false);
    assert.equal(text.includes('cfx_'), false);
    assert.equal(text.includes('cft_'), false);
  });

  it('keeps the reason given for an executor status change', async () => {
    const registered = await t.request('POST', '/api/v1/executors/register', { name: 'h1', instance_id: 'h1', base_url: 'http://127.0.0.1:9' });
    await t.request('PUT', `/api/v1/executors/${registered.body.id}/status`, { status: 'maintenance', reason: 'kernel upgrade' });
    const [entry] = await entries('&action=executor.set_status');
    assert.equal(entry!.after.reason, 'kernel upgrade');
    assert.equal(entry!.after.status, 'maintenance');
  });

  it('is for admins only', async () => {
    const token = await t.request('POST', '/api/v1/tokens', { name: 'op', role: 'operator' });
    assert.equal((await t.request('GET', '/api/v1/audit', undefined, token.body.token)).status, 403);
  });
});
