import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AgentHarness, runTask } from './agent-harness.ts';
import type { RunTask } from '../../src/protocol/executor-messages.ts';

interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP server on loopback; each path picks a behaviour. */
async function startTargetServer(): Promise<{ server: Server; url: string; received: ReceivedRequest[] }> {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    if (path === '/hang') return; // never answers
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ method: request.method ?? '', path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (path === '/ok') return void response.end('pong');
      if (path === '/created') return void response.writeHead(201).end('made');
      if (path === '/error') return void response.writeHead(500).end('boom');
      if (path === '/redirect') return void response.writeHead(302, { location: '/ok' }).end();
      if (path === '/slow-body') return void response.writeHead(200).write('partial '); // headers, then nothing more
      response.writeHead(404).end('not found');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
}

function httpTask(spec: { method?: string; url: string; headers?: Record<string, string>; body?: string | null; expect_status?: number[] }, overrides: Partial<RunTask> = {}): RunTask {
  return runTask('http', { method: 'GET', headers: {}, body: null, expect_status: [], ...spec }, overrides);
}

describe('http runner', () => {
  let harness: AgentHarness;
  let target: Awaited<ReturnType<typeof startTargetServer>>;
  before(async () => {
    harness = new AgentHarness();
    target = await startTargetServer();
  });
  after(async () => {
    await harness.close();
    await closeServer(target.server);
  });

  const lastRequest = () => target.received.at(-1)!;

  it('sends a GET with the configured and the cronfleet headers, and keeps the response body as output', async () => {
    const task = httpTask({ url: `${target.url}/ok`, headers: { authorization: 'Bearer abc', 'x-custom': 'yes' }, body: 'ignored for GET' });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    assert.equal(update.data.error, null);
    assert.equal((update.data.result as { status: number }).status, 200);
    assert.equal(harness.output(task.id, 'stdout'), 'pong');
    const request = lastRequest();
    assert.equal(request.method, 'GET');
    assert.equal(request.body, '');
    assert.equal(request.headers.authorization, 'Bearer abc');
    assert.equal(request.headers['x-custom'], 'yes');
    assert.equal(request.headers['user-agent'], 'cronfleet');
    assert.equal(request.headers['x-cronfleet-execution-id'], task.id);
    assert.equal(request.headers['x-cronfleet-task-id'], task.task_id);
  });

  it('sends a POST with its body and content type', async () => {
    const body = JSON.stringify({ report: 'daily', size: 3 });
    const update = await harness.run(httpTask({ method: 'POST', url: `${target.url}/ok`, headers: { 'content-type': 'application/json' }, body }));
    assert.equal(update.data.status, 'success');
    const request = lastRequest();
    assert.equal(request.method, 'POST');
    assert.equal(request.body, body);
    assert.equal(request.headers['content-type'], 'application/json');
  });

  it('succeeds when the status is one of expect_status', async () => {
    const update = await harness.run(httpTask({ method: 'POST', url: `${target.url}/created`, expect_status: [201] }));
    assert.equal(update.data.status, 'success');
  });

  it('accepts a non-2xx status when expect_status lists it', async () => {
    const update = await harness.run(httpTask({ url: `${target.url}/error`, expect_status: [500, 503] }));
    assert.equal(update.data.status, 'success');
  });

  it('fails when a 2xx status is not one of expect_status', async () => {
    const update = await harness.run(httpTask({ url: `${target.url}/ok`, expect_status: [202] }));
    assert.equal(update.data.status, 'failed');
    assert.equal(update.data.error, 'unexpected HTTP status 200 (expected 202)');
  });

  it('fails on a non-2xx status when no expect_status is given, keeping the body as output', async () => {
    const task = httpTask({ url: `${target.url}/error` });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.equal(update.data.error, 'unexpected HTTP status 500');
    assert.equal(harness.output(task.id, 'stdout'), 'boom');
  });

  it('does not follow a redirect: a 3xx is a failure unless expected', async () => {
    const update = await harness.run(httpTask({ url: `${target.url}/redirect` }));
    assert.equal(update.data.status, 'failed');
    assert.equal((update.data.result as { status: number }).status, 302);
  });

  it('fails with a clear error when the connection is refused', async () => {
    const closed = await startTargetServer();
    await closeServer(closed.server); // nothing listens on this port any more
    const url = `${closed.url}/ok`;
    const task = httpTask({ url });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.ok(update.data.error?.startsWith(`GET ${url} failed`), update.data.error ?? '');
    assert.match(update.data.error ?? '', /ECONNREFUSED/);
    assert.match(harness.output(task.id, 'system'), /ECONNREFUSED/);
  });

  it('ends with status timeout when the server never answers', async () => {
    const task = httpTask({ url: `${target.url}/hang` }, { timeout: 1 });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'timeout');
    assert.equal(update.data.error, 'timed out after 1s');
  });

  it('ends with status timeout when the server never finishes the body, keeping what arrived', async () => {
    const task = httpTask({ url: `${target.url}/slow-body` }, { timeout: 1 });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'timeout');
    assert.equal(harness.output(task.id, 'stdout'), 'partial ');
  });

  it('ends as cancelled when stopped while waiting for the answer', async () => {
    const task = httpTask({ url: `${target.url}/hang` });
    const finished = harness.run(task);
    await harness.next((message) => message.action === 'task_update' && message.task_id === task.id);
    harness.agent.handle({ action: 'stop', tasks: [{ id: task.id }] });
    const update = await finished;
    assert.equal(update.data.status, 'cancelled');
  });
});
