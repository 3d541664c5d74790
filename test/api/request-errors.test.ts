// Malformed requests, unknown ids and bad query parameters: a 4xx with a stable code, never a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const unknownId = '01a20000-0000-7000-8000-000000000000';

describe('request errors', () => {
  let t: TestServer;
  let taskId: string;
  const storedTotal = async () => (await t.request('GET', '/api/v1/tasks?page_size=1000')).body.total as number;
  const expectError = (response: { status: number; body: any }, status: number, code: string) => {
    assert.equal(response.status, status, JSON.stringify(response.body));
    assert.equal(response.body.error.code, code);
    assert.equal(typeof response.body.error.message, 'string');
  };

  before(async () => {
    t = await startTestServer({ executor: false });
    taskId = (await t.request('POST', '/api/v1/tasks', { name: 'present', command: '/bin/true' })).body.id;
  });
  after(() => t.close());

  it('refuses malformed JSON with 400 and stores nothing', async () => {
    const before = await storedTotal();
    expectError(await t.request('POST', '/api/v1/tasks', '{"name": "half'), 400, 'invalid_request');
    expectError(await t.request('PUT', `/api/v1/tasks/${taskId}`, '{"description": }'), 400, 'invalid_request');
    assert.equal(await storedTotal(), before);
  });

  for (const [what, text] of [
    ['an array', '[{"name":"a"}]'],
    ['a string', '"data_sync_task"'],
    ['a number', '42'],
    ['null', 'null'],
  ]) {
    it(`refuses ${what} as a task body with 400 and stores nothing`, async () => {
      const before = await storedTotal();
      expectError(await t.request('POST', '/api/v1/tasks', text), 400, 'invalid_request');
      assert.equal(await storedTotal(), before);
    });
  }

  it('refuses an empty JSON body with 400', async () => {
    const response = await fetch(`${t.url}/api/v1/tasks`, { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' } });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'invalid_request');
  });

  it('refuses a trigger body with unknown fields', async () => {
    const response = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, { params: { force_sync: true } });
    expectError(response, 400, 'invalid_request');
    assert.equal(response.body.error.details.field, 'params');
  });

  it('refuses a body over 1 MiB with 413 payload_too_large and stores nothing', async () => {
    const before = await storedTotal();
    expectError(await t.request('POST', '/api/v1/tasks', { name: 'huge', command: '/bin/true', description: 'x'.repeat(1024 * 1024 + 1) }), 413, 'payload_too_large');
    assert.equal(await storedTotal(), before);
  });

  for (const [method, suffix] of [
    ['GET', ''],
    ['PUT', ''],
    ['DELETE', ''],
    ['POST', '/pause'],
    ['POST', '/resume'],
    ['POST', '/trigger'],
    ['GET', '/next-fires'],
  ] as const) {
    it(`answers ${method} /tasks/{unknown}${suffix} with 404 task_not_found`, async () => {
      const body = method === 'PUT' ? { description: 'x' } : suffix === '/trigger' ? {} : undefined;
      const response = await t.request(method, `/api/v1/tasks/${unknownId}${suffix}`, body);
      expectError(response, 404, 'task_not_found');
      assert.equal(response.body.error.details.id, unknownId);
    });
  }

  for (const [method, suffix] of [
    ['GET', ''],
    ['GET', '/logs'],
    ['GET', '/logs?follow=1'],
    ['POST', '/stop'],
  ] as const) {
    it(`answers ${method} /executions/{unknown}${suffix} with 404 execution_not_found`, async () => {
      expectError(await t.request(method, `/api/v1/executions/${unknownId}${suffix}`), 404, 'execution_not_found');
    });
  }

  it('answers an unknown route with 404 not_found', async () => {
    expectError(await t.request('GET', '/api/v1/tasks-and-more'), 404, 'not_found');
  });

  const badQueries: Array<[string, string]> = [
    ['/api/v1/tasks?page=0', 'page'],
    ['/api/v1/tasks?page=abc', 'page'],
    ['/api/v1/tasks?page_size=100000', 'page_size'],
    ['/api/v1/tasks?page_size=0', 'page_size'],
    ['/api/v1/tasks?status=bogus', 'status'],
    ['/api/v1/tasks?sort=bogus', 'sort'],
    ['/api/v1/tasks?bogus=1', 'bogus'],
    ['/api/v1/executions?page=0', 'page'],
    ['/api/v1/executions?page_size=100000', 'page_size'],
    ['/api/v1/executions?status=bogus', 'status'],
    [`/api/v1/tasks/${unknownId}/next-fires?count=0`, 'count'],
    [`/api/v1/tasks/${unknownId}/next-fires?count=100000`, 'count'],
    [`/api/v1/executions/${unknownId}/logs?limit=0`, 'limit'],
  ];
  for (const [path, field] of badQueries) {
    it(`refuses GET ${path.replace(unknownId, '{id}')} with 400 naming ${field}`, async () => {
      const response = await t.request('GET', path);
      expectError(response, 400, 'invalid_request');
      assert.equal(response.body.error.details.field, field);
    });
  }
});
