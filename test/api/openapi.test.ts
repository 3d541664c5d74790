import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { declaredRoutes, needsCaller } from '../../src/api/access.ts';
import { compileAll } from '../../src/api/lazy-serializers.ts';
import { compileAllValidators } from '../../src/api/lazy-validators.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface Operation {
  operationId?: string;
  summary?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: unknown;
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }>;
}

interface OpenApiDocument {
  openapi: string;
  security: unknown[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, { required?: string[]; properties?: Record<string, unknown> }> }> };
}

describe('OpenAPI document', () => {
  let t: TestServer;
  let document: OpenApiDocument;
  before(async () => {
    t = await startTestServer({ executor: false });
    document = (await t.request<OpenApiDocument>('GET', '/api/docs/json')).body;
  });
  after(() => t.close());

  const operations = () => Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method, operation })));
  const operation = (method: string, path: string) => {
    const found = document.paths[path]?.[method];
    assert.ok(found, `${method.toUpperCase()} ${path} is documented`);
    return found;
  };

  it('compiles a response serializer for every route and status (compiled lazily by the server)', () => {
    // A schema fast-json-stringify cannot compile would otherwise fail only on that route's first answer.
    const compiled = compileAll(t.server.app);
    assert.ok(compiled > 100, `${compiled} serializers`);
  });

  it('compiles a request validator for every route part (compiled lazily by the server)', () => {
    // A schema TypeBox cannot compile would otherwise fail only on that route's first request.
    const compiled = compileAllValidators(t.server.app);
    assert.ok(compiled > 50, `${compiled} validators`);
  });

  it('is served at /api/docs/json only with the token', async () => {
    assert.equal((await t.request('GET', '/api/docs/json', undefined, null)).status, 401);
    const response = await t.request<OpenApiDocument>('GET', '/api/docs/json');
    assert.equal(response.status, 200);
    assert.match(response.body.openapi, /^3\./);
  });

  it('lists every task route with its methods', () => {
    const { paths } = document;
    const methods = (path: string) => Object.keys(paths[path] ?? {}).sort();
    assert.deepEqual(methods('/api/v1/tasks'), ['get', 'post']);
    assert.deepEqual(methods('/api/v1/tasks/{id}'), ['delete', 'get', 'put']);
    for (const action of ['pause', 'resume', 'trigger']) assert.deepEqual(methods(`/api/v1/tasks/{id}/${action}`), ['post'], action);
    assert.deepEqual(methods('/api/v1/tasks/{id}/next-fires'), ['get']);
    assert.deepEqual(methods('/api/v1/schedules/preview'), ['post']);
    assert.deepEqual(methods('/api/v1/executions/{id}/stop'), ['post']);
  });

  it('documents the task body and the list query parameters', () => {
    const create = operation('post', '/api/v1/tasks');
    assert.ok(create.requestBody, 'POST /api/v1/tasks documents its body');
    const query = (operation('get', '/api/v1/tasks').parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
    for (const name of ['status', 'page', 'page_size']) assert.ok(query.includes(name), `query parameter ${name}`);
  });

  it('gives every operation a unique camelCase operationId, a summary and tags', () => {
    const ids = new Set<string>();
    for (const { path, method, operation } of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      assert.match(operation.operationId ?? '', /^[a-z][A-Za-z]+$/, `${name} operationId`);
      assert.ok(!ids.has(operation.operationId!), `${name}: operationId ${operation.operationId} is used once`);
      ids.add(operation.operationId!);
      assert.ok(operation.summary, `${name} summary`);
      assert.ok((operation.tags ?? []).length > 0, `${name} tags`);
    }
    assert.equal(operation('post', '/api/v1/tasks').operationId, 'createTask');
    assert.equal(operation('get', '/api/v1/tasks').operationId, 'listTasks');
    assert.equal(operation('post', '/api/v1/tasks/{id}/trigger').operationId, 'triggerTask');
  });

  it('shows the status codes the routes answer with', () => {
    const statuses = (method: string, path: string) => Object.keys(operation(method, path).responses).filter((status) => status.startsWith('2'));
    assert.deepEqual(statuses('post', '/api/v1/tasks'), ['201']);
    assert.deepEqual(statuses('get', '/api/v1/tasks/{id}'), ['200']);
    assert.deepEqual(statuses('post', '/api/v1/tasks/{id}/trigger'), ['202']);
    assert.deepEqual(statuses('post', '/api/v1/executions/{id}/stop'), ['202']);
    assert.deepEqual(statuses('post', '/api/v1/executors/register').sort(), ['200', '201']);
    for (const path of ['/api/v1/tasks/{id}', '/api/v1/users/{id}', '/api/v1/tokens/{id}', '/api/v1/executor-tokens/{id}']) {
      assert.deepEqual(statuses('delete', path), ['204'], path);
      assert.equal(operation('delete', path).responses['204']!.content, undefined, `${path}: a 204 has no body`);
    }
    assert.ok(operation('get', '/api/v1/tasks/{id}').responses['404'], 'a missing task is a 404');
    assert.ok(operation('post', '/api/v1/tasks').responses['409'], 'a taken name is a 409');
    assert.ok(operation('get', '/readyz').responses['503'], 'not ready is a 503');
  });

  it('describes the success bodies with the named schemas', () => {
    const schemaOf = (method: string, path: string, status: string) => operation(method, path).responses[status]?.content?.['application/json']?.schema.$ref;
    assert.equal(schemaOf('post', '/api/v1/tasks', '201'), '#/components/schemas/Task');
    assert.equal(schemaOf('get', '/api/v1/tasks', '200'), '#/components/schemas/TaskPage');
    assert.equal(schemaOf('post', '/api/v1/tasks/{id}/trigger', '202'), '#/components/schemas/Execution');
    for (const name of ['Task', 'Execution', 'Executor', 'User', 'ApiToken', 'ExecutorToken', 'AuditEntry', 'SystemStatus', 'Overview', 'TaskStats']) {
      assert.ok(document.components.schemas[name], `components.schemas.${name}`);
    }
  });

  it('answers every error with the one error schema', () => {
    const error = document.components.schemas.Error?.properties?.error;
    assert.deepEqual(error?.required, ['code', 'message']);
    assert.deepEqual(Object.keys(error?.properties ?? {}).sort(), ['code', 'details', 'message']);
    for (const { path, method, operation } of operations()) {
      const errors = Object.entries(operation.responses).filter(([status]) => /^[45]/.test(status));
      assert.ok(
        errors.some(([status]) => status.startsWith('4')),
        `${method.toUpperCase()} ${path} documents a 4xx answer`,
      );
      for (const [status, response] of errors) assert.equal(response.content?.['application/json']?.schema.$ref, '#/components/schemas/Error', `${method.toUpperCase()} ${path} ${status}`);
    }
  });

  it('requires credentials on every route but the public ones, which carry no security requirement', () => {
    assert.deepEqual(document.security, [{ bearer: [] }, { session: [] }]);
    const routes = declaredRoutes(t.server.app);
    const checked = new Set<string>();
    for (const { path, method, operation } of operations()) {
      const url = path.replace(/\{(\w+)\}/g, ':$1');
      const route = routes.find((candidate) => candidate.url === url && candidate.method === method.toUpperCase());
      assert.ok(route, `${method.toUpperCase()} ${path} is a declared route`);
      if (needsCaller(route.access)) {
        assert.equal(operation.security, undefined, `${method.toUpperCase()} ${path} keeps the document's security`);
        assert.ok(operation.responses['401'], `${method.toUpperCase()} ${path} documents 401`);
      } else {
        assert.deepEqual(operation.security, [], `${method.toUpperCase()} ${path} (${route.access}) needs no credentials`);
        checked.add(`${method.toUpperCase()} ${path}`);
      }
    }
    for (const name of ['GET /healthz', 'GET /readyz', 'POST /api/v1/auth/login', 'POST /api/v1/executions/{id}/callback']) assert.ok(checked.has(name), `${name} is public`);
    assert.ok(!checked.has('GET /metrics'), 'metrics need a viewer unless metrics_public is set');
  });
});

describe('OpenAPI document with metrics_public', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ executor: false, env: { CRONFLEET_METRICS_PUBLIC: 'true' } });
  });
  after(() => t.close());

  it('shows /metrics with no security requirement and no 401', async () => {
    const metrics = (await t.request<OpenApiDocument>('GET', '/api/docs/json')).body.paths['/metrics']?.get;
    assert.deepEqual(metrics?.security, []);
    assert.equal(metrics.responses['401'], undefined);
  });
});
