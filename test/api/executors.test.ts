// Executor management over REST (seed 001 §4.2, §5.2): registration of HTTP executors,
// the executor list and manual status. The flows with a live HTTP executor are in
// test/dispatch/http-executors.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { signedHeaders } from '../dispatch/http-executor-harness.ts';

// Seed 001 §5.2, exactly as written.
const seedRegistration = {
  name: 'data-processor',
  instance_id: 'dp-001',
  base_url: 'http://192.168.1.100:9090',
  health_check_url: 'http://192.168.1.100:9090/health',
  metadata: { region: 'us-west-1', capacity: 10 },
};

describe('executor management API', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer(); // with the local agent, for the agent cases
  });
  after(() => t.close());

  const register = (body: Record<string, unknown>) => t.request('POST', '/api/v1/executors/register', body);
  /** A callback about an execution that does not exist: 404 proves the secret was accepted, 401 that it was not. */
  const callbackStatus = async (executorId: string, secret: string) => {
    const body = JSON.stringify({ status: 'success' });
    const response = await fetch(`${t.url}/api/v1/executions/no-such-execution/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(executorId, secret, 'no-such-execution', body) },
      body,
    });
    return response.status;
  };

  it("registers seed 001's body as written and returns a callback secret once", async () => {
    const response = await register(seedRegistration);
    assert.equal(response.status, 201);
    assert.equal(response.body.kind, 'http');
    assert.equal(response.body.name, 'data-processor');
    assert.equal(response.body.instance_id, 'dp-001');
    assert.equal(response.body.base_url, 'http://192.168.1.100:9090');
    assert.equal(response.body.health_check_url, 'http://192.168.1.100:9090/health');
    assert.deepEqual(response.body.metadata, { region: 'us-west-1', capacity: 10 });
    assert.equal(response.body.capacity, 10);
    assert.deepEqual(response.body.runners, ['command', 'script', 'http', 'handler:*']);
    assert.equal(response.body.status, 'online');
    // Healthy until checked: the check the registration starts (health-on-register.test.ts)
    // fails at once against this unreachable address and may be recorded before the answer is read.
    if (response.body.last_health_check === null) assert.equal(response.body.is_healthy, true);
    assert.match(response.body.callback_secret, /^cfh_/);
    assert.equal(await callbackStatus(response.body.id, response.body.callback_secret), 404);

    const list = await t.request('GET', '/api/v1/executors');
    assert.equal(list.status, 200);
    assert.deepEqual(Object.keys(list.body).sort(), ['items', 'page', 'page_size', 'total']);
    const listed = list.body.items.find((item: { id: string }) => item.id === response.body.id);
    const { callback_secret: _secret, ...withoutSecret } = response.body;
    // The health check made right after registering may have answered in between (health-on-register.test.ts).
    const settled = { heartbeat_age_ms: null, is_healthy: null, last_health_check: null, health_check_failures: null };
    assert.deepEqual({ ...listed, ...settled }, { ...withoutSecret, ...settled });
    assert.ok(!JSON.stringify(list.body).includes(response.body.callback_secret), 'the secret is never listed');
  });

  it('takes capacity from the body, else from metadata.capacity, else 10; labels and runners from the body', async () => {
    const fromMetadata = await register({ ...seedRegistration, instance_id: 'cap-meta', metadata: { capacity: 3 } });
    assert.equal(fromMetadata.body.capacity, 3);
    const fromBody = await register({ ...seedRegistration, instance_id: 'cap-body', capacity: 5, labels: { zone: 'a' }, runners: ['http', 'handler:report'] });
    assert.equal(fromBody.body.capacity, 5);
    assert.deepEqual(fromBody.body.labels, { zone: 'a' });
    assert.deepEqual(fromBody.body.runners, ['http', 'handler:report']);
    const byDefault = await register({ name: 'plain', instance_id: 'cap-default', base_url: 'http://10.0.0.1:9090' });
    assert.equal(byDefault.status, 201);
    assert.equal(byDefault.body.capacity, 10);
    assert.equal(byDefault.body.health_check_url, null);
  });

  it('updates an executor registered again under the same instance_id, keeping its id and secret', async () => {
    const first = await register({ ...seedRegistration, instance_id: 'dp-again' });
    const again = await register({ ...seedRegistration, instance_id: 'dp-again', base_url: 'http://192.168.1.101:9090', metadata: { capacity: 20 } });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.base_url, 'http://192.168.1.101:9090');
    assert.equal(again.body.capacity, 20);
    assert.equal('callback_secret' in again.body, false);
    assert.equal(await callbackStatus(first.body.id, first.body.callback_secret), 404);
  });

  it('issues a new secret on rotate_secret and retires the old one', async () => {
    const first = await register({ ...seedRegistration, instance_id: 'dp-rotate' });
    const rotated = await register({ ...seedRegistration, instance_id: 'dp-rotate', rotate_secret: true });
    assert.equal(rotated.status, 200);
    assert.match(rotated.body.callback_secret, /^cfh_/);
    assert.notEqual(rotated.body.callback_secret, first.body.callback_secret);
    assert.equal(await callbackStatus(first.body.id, first.body.callback_secret), 401);
    assert.equal(await callbackStatus(rotated.body.id, rotated.body.callback_secret), 404);
  });

  it('refuses a bad registration with 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...seedRegistration, base_url: 'not a url' }, 'base_url'],
      [{ ...seedRegistration, base_url: 'ftp://192.168.1.100' }, 'base_url'],
      [{ ...seedRegistration, health_check_url: 'health' }, 'health_check_url'],
      [{ ...seedRegistration, runners: ['rust'] }, 'runners'],
      [{ ...seedRegistration, metadata: { capacity: 'ten' } }, 'metadata.capacity'],
      [{ ...seedRegistration, capacity: 0 }, 'capacity'],
      [{ ...seedRegistration, instance_id: undefined }, 'instance_id'],
      [{ ...seedRegistration, colour: 'blue' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const response = await register({ ...body, instance_id: body.instance_id === undefined ? undefined : 'dp-bad' });
      assert.equal(response.status, 400, field);
      assert.equal(response.body.error.code, 'invalid_request', field);
      assert.match(response.body.error.message, new RegExp(field.replace('.', '\\.')), field);
    }
    const list = await t.request('GET', '/api/v1/executors');
    assert.ok(!list.body.items.some((item: { instance_id: string }) => item.instance_id === 'dp-bad'), 'nothing was stored');
  });

  it('refuses to register an instance_id that belongs to an agent', async () => {
    const agent = (await t.request('GET', '/api/v1/executors')).body.items.find((item: { kind: string }) => item.kind === 'agent');
    const response = await register({ ...seedRegistration, instance_id: agent.instance_id });
    assert.equal(response.status, 409);
    assert.equal(response.body.error.code, 'conflict');
  });

  it('sets an executor in maintenance and back online', async () => {
    const { id } = (await register({ ...seedRegistration, instance_id: 'dp-status' })).body;
    const maintenance = await t.request('PUT', `/api/v1/executors/${id}/status`, { status: 'maintenance', reason: 'System maintenance' });
    assert.equal(maintenance.status, 200);
    assert.equal(maintenance.body.id, id);
    assert.equal(maintenance.body.status, 'maintenance');
    // A maintenance status survives the executor registering again.
    assert.equal((await register({ ...seedRegistration, instance_id: 'dp-status' })).body.status, 'maintenance');
    for (const status of ['offline', 'online']) {
      const response = await t.request('PUT', `/api/v1/executors/${id}/status`, { status });
      assert.equal(response.status, 200);
      assert.equal(response.body.status, status);
    }
  });

  it('answers 404 not_found for an unknown executor and 400 for a bad status', async () => {
    const unknown = await t.request('PUT', '/api/v1/executors/no-such-executor/status', { status: 'maintenance' });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'not_found');
    const { id } = (await register({ ...seedRegistration, instance_id: 'dp-bad-status' })).body;
    for (const body of [{ status: 'sleeping' }, {}, { status: 'online', until: 'tomorrow' }]) {
      const response = await t.request('PUT', `/api/v1/executors/${id}/status`, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(response.body.error.code, 'invalid_request');
    }
    assert.equal((await t.request('GET', '/api/v1/executors')).body.items.find((item: { id: string }) => item.id === id).status, 'online');
  });

  it('removes an offline or maintenance executor with 204, records it in the audit log, and answers 404 for it afterwards', async () => {
    for (const status of ['offline', 'maintenance']) {
      const { id } = (await register({ ...seedRegistration, instance_id: `dp-remove-${status}` })).body;
      assert.equal((await t.request('PUT', `/api/v1/executors/${id}/status`, { status })).status, 200);
      const removed = await t.request('DELETE', `/api/v1/executors/${id}`);
      assert.equal(removed.status, 204, status);
      assert.equal(removed.body, null);
      const list = (await t.request('GET', '/api/v1/executors')).body.items as Array<{ id: string }>;
      assert.ok(!list.some((item) => item.id === id), `${status}: gone from the list`);
      const audit = (await t.request('GET', `/api/v1/audit?action=executor.delete&resource_id=${id}`)).body.items as Array<Record<string, any>>;
      assert.equal(audit.length, 1, `${status}: one audit entry`);
      assert.equal(audit[0]!.resource_type, 'executor');
      assert.equal(audit[0]!.before.instance_id, `dp-remove-${status}`);
      assert.equal(audit[0]!.before.status, status);
      const again = await t.request('DELETE', `/api/v1/executors/${id}`);
      assert.equal(again.status, 404);
      assert.equal(again.body.error.code, 'not_found');
    }
  });

  it('refuses to remove an online executor with 409 invalid_state naming its status, and an unknown one with 404', async () => {
    const { id } = (await register({ ...seedRegistration, instance_id: 'dp-remove-online' })).body;
    const refused = await t.request('DELETE', `/api/v1/executors/${id}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'invalid_state');
    assert.equal(refused.body.error.details.status, 'online');
    assert.match(refused.body.error.message, /is online: set it to maintenance or offline first/);
    assert.ok(
      (await t.request('GET', '/api/v1/executors')).body.items.some((item: { id: string }) => item.id === id),
      'still listed',
    );
    const unknown = await t.request('DELETE', '/api/v1/executors/no-such-executor');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'not_found');
  });

  it('never removes the built-in executor of cronfleet up, even in maintenance', async () => {
    const local = (await t.request('GET', '/api/v1/executors')).body.items.find((item: { instance_id: string }) => item.instance_id.startsWith('local@'));
    assert.ok(local, 'the test server runs the built-in executor');
    assert.equal((await t.request('PUT', `/api/v1/executors/${local.id}/status`, { status: 'maintenance' })).status, 200);
    try {
      const refused = await t.request('DELETE', `/api/v1/executors/${local.id}`);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'invalid_state');
      assert.equal(refused.body.error.details.reason, 'built_in_executor');
      assert.match(refused.body.error.message, /built-in executor of `cronfleet up`/);
      assert.ok(t.server.gateway.isConnected(local.id), 'still connected');
    } finally {
      await t.request('PUT', `/api/v1/executors/${local.id}/status`, { status: 'online' });
    }
  });

  it('lets only admins remove executors: operators and viewers get 403', async () => {
    const { id } = (await register({ ...seedRegistration, instance_id: 'dp-remove-roles' })).body;
    await t.request('PUT', `/api/v1/executors/${id}/status`, { status: 'offline' });
    for (const role of ['viewer', 'operator']) {
      const token = (await t.request('POST', '/api/v1/tokens', { name: `remove-${role}`, role })).body.token as string;
      const response = await t.request('DELETE', `/api/v1/executors/${id}`, undefined, token);
      assert.equal(response.status, 403, role);
      assert.equal(response.body.error.code, 'forbidden', role);
    }
    assert.ok(
      (await t.request('GET', '/api/v1/executors')).body.items.some((item: { id: string }) => item.id === id),
      'still listed',
    );
  });

  it('takes the callback secret, not the admin token, on the callback route', async () => {
    for (const token of [t.token, null]) {
      const response = await t.request('POST', '/api/v1/executions/no-such-execution/callback', { status: 'success' }, token);
      assert.equal(response.status, 401);
      assert.equal(response.body.error.code, 'unauthorized');
      assert.match(response.body.error.message, /callback/);
    }
  });

  it('keeps every other executor route behind the admin token', async () => {
    const { callback_secret: secret } = (await register({ ...seedRegistration, instance_id: 'dp-token' })).body;
    for (const [method, path] of [
      ['GET', '/api/v1/executors'],
      ['POST', '/api/v1/executors/register'],
      ['PUT', '/api/v1/executors/some-id/status'],
      ['DELETE', '/api/v1/executors/some-id'],
    ] as const) {
      const response = await t.request(method, path, method === 'GET' || method === 'DELETE' ? undefined : {}, secret);
      assert.equal(response.status, 401, `${method} ${path}`);
    }
  });
});
