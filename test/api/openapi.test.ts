import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { requestBody?: unknown; parameters?: Array<{ name: string; in: string }> }>>;
}

describe('OpenAPI document', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false });
  });
  after(() => t.close());

  it('is served at /api/docs/json only with the token', async () => {
    assert.equal((await t.request('GET', '/api/docs/json', undefined, null)).status, 401);
    const response = await t.request<OpenApiDocument>('GET', '/api/docs/json');
    assert.equal(response.status, 200);
    assert.match(response.body.openapi, /^3\./);
  });

  it('lists every task route with its methods', async () => {
    const { paths } = (await t.request<OpenApiDocument>('GET', '/api/docs/json')).body;
    const methods = (path: string) => Object.keys(paths[path] ?? {}).sort();
    assert.deepEqual(methods('/api/v1/tasks'), ['get', 'post']);
    assert.deepEqual(methods('/api/v1/tasks/{id}'), ['delete', 'get', 'put']);
    for (const action of ['pause', 'resume', 'trigger']) assert.deepEqual(methods(`/api/v1/tasks/{id}/${action}`), ['post'], action);
    assert.deepEqual(methods('/api/v1/tasks/{id}/next-fires'), ['get']);
    assert.deepEqual(methods('/api/v1/schedules/preview'), ['post']);
    assert.deepEqual(methods('/api/v1/executions/{id}/stop'), ['post']);
  });

  it('documents the task body and the list query parameters', async () => {
    const { paths } = (await t.request<OpenApiDocument>('GET', '/api/docs/json')).body;
    const create = paths['/api/v1/tasks']?.post;
    assert.ok(create?.requestBody, 'POST /api/v1/tasks documents its body');
    const query = (paths['/api/v1/tasks']?.get?.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
    for (const name of ['status', 'page', 'page_size']) assert.ok(query.includes(name), `query parameter ${name}`);
  });
});
