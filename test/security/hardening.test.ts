// Security headers, CORS off unless configured, API rate limits and body size limits.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('HTTP hardening (defaults)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false, env: { CRONFLEET_BODY_LIMIT_BYTES: '4096' } });
  });
  after(() => t.close());

  it('sends security headers on the UI and the API', async () => {
    for (const path of ['/', '/api/v1/tasks']) {
      const response = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${t.token}` } });
      assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/, path);
      assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.ok(response.headers.get('x-frame-options'), path);
      assert.equal(response.headers.get('strict-transport-security'), null, `${path}: HSTS means something only over HTTPS`);
    }
  });

  it('sends them on a stream the route writes itself (the change feed)', async () => {
    const aborted = new AbortController();
    const response = await fetch(`${t.url}/api/v1/events`, { headers: { authorization: `Bearer ${t.token}` }, signal: aborted.signal });
    assert.equal(response.headers.get('content-type')?.split(';')[0], 'text/event-stream');
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    aborted.abort();
  });

  it('sends no CORS headers unless origins are configured', async () => {
    const response = await fetch(`${t.url}/api/v1/tasks`, { headers: { authorization: `Bearer ${t.token}`, origin: 'https://evil.example' } });
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });

  it('refuses a body over the limit with 413 and stores nothing', async () => {
    const response = await t.request('POST', '/api/v1/tasks', { name: 'big', command: '/bin/true', description: 'x'.repeat(10_000) });
    assert.equal(response.status, 413);
    assert.equal(response.body.error.code, 'payload_too_large');
    assert.equal((await t.request('GET', '/api/v1/tasks')).body.total, 0);
  });
});

describe('HTTP hardening (configured)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false, env: { CRONFLEET_RATE_LIMIT_PER_MINUTE: '5', CRONFLEET_CORS_ORIGINS: 'https://ops.example' } });
  });
  after(() => t.close());

  it('allows only the configured origin', async () => {
    const allowed = await fetch(`${t.url}/api/v1/tasks`, { method: 'OPTIONS', headers: { origin: 'https://ops.example', 'access-control-request-method': 'POST' } });
    assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://ops.example');
    const other = await fetch(`${t.url}/api/v1/tasks`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('limits API requests per caller with 429 and leaves probes alone', async () => {
    const token = await t.request('POST', '/api/v1/tokens', { name: 'other', role: 'viewer' });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await t.request('GET', '/api/v1/tasks')).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
    const limited = await t.request('GET', '/api/v1/tasks');
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.equal((await t.request('GET', '/healthz', undefined, null)).status, 200);
    // Another caller has a budget of its own.
    assert.equal((await t.request('GET', '/api/v1/tasks', undefined, token.body.token)).status, 200);
  });
});
