// The SDK end to end: an executor embedded in this test process, with typed handlers,
// connected over a real WebSocket to a real server (SQLite file, loopback HTTP).
// Imported by package name, as an application would, through package.json "exports".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defineHandler, startExecutor, type HandlerContext, type RunningExecutor } from 'cronfleet/sdk';
import { isCronfleetError } from '../../src/protocol/errors.ts';
import { watchExecutions, type ExecutionWatch } from '../api/execution-watch.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** Executions whose handler has started, by execution id, with the context it got. */
const started = new Map<string, HandlerContext>();
const startWaiters = new Map<string, (context: HandlerContext) => void>();

function handlerStarted(executionId: string): Promise<HandlerContext> {
  const context = started.get(executionId);
  if (context) return Promise.resolve(context);
  return new Promise((resolve) => startWaiters.set(executionId, resolve));
}

const sum = defineHandler<{ a: number; b: number }, number>(({ parameters, log }) => {
  log(`adding ${parameters.a} and ${parameters.b}`);
  log('done');
  return parameters.a + parameters.b;
});

/** Runs until its signal aborts, as a well-behaved long handler does. */
const waitForAbort = defineHandler(async (context) => {
  started.set(context.executionId, context);
  startWaiters.get(context.executionId)?.(context);
  await new Promise((_resolve, reject) => context.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
});

describe('SDK executor against a real server', { timeout: 60_000 }, () => {
  let t: TestServer;
  let executor: RunningExecutor;
  let watch: ExecutionWatch;

  async function trigger(body: Record<string, unknown>): Promise<string> {
    const task = await t.request('POST', '/api/v1/tasks', body);
    assert.equal(task.status, 201, JSON.stringify(task.body));
    const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
    return triggered.body.id as string;
  }

  before(async () => {
    t = await startTestServer({ executor: false });
    watch = watchExecutions(t);
    const created = await t.request('POST', '/api/v1/executor-tokens', { name: 'sdk' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    executor = startExecutor({ server: t.url, token: created.body.token, name: 'sdk-app', labels: { app: 'billing' }, handlers: { sum, wait: waitForAbort } });
    await executor.connected;
  });
  after(async () => {
    await executor.stop();
    watch.stop();
    await t.close();
  });

  it('registers as an executor offering each handler', async () => {
    const executors = (await t.request('GET', '/api/v1/executors')).body.items as Array<Record<string, any>>;
    const sdk = executors.find((item) => item.name === 'sdk-app');
    assert.ok(sdk, JSON.stringify(executors));
    assert.equal(sdk.status, 'online');
    assert.deepEqual(sdk.labels, { app: 'billing' });
    assert.deepEqual([...sdk.runners].sort(), ['handler:sum', 'handler:wait']);
    assert.match(sdk.version, /\+sdk$/);
  });

  it("runs a handler task: the handler's value is the result and its log lines are the logs", async () => {
    const id = await trigger({ name: 'sum', handler: 'sum', parameters: { a: 1, b: 2 } });
    assert.equal(await watch.finished(id), 'success');
    const execution = await t.request('GET', `/api/v1/executions/${id}`);
    assert.equal(execution.body.result, 3);
    const logs = await t.request('GET', `/api/v1/executions/${id}/logs`);
    const stdout = logs.body.items
      .filter((item: { stream: string }) => item.stream === 'stdout')
      .map((item: { chunk: string }) => item.chunk)
      .join('');
    assert.equal(stdout, 'adding 1 and 2\ndone\n');
  });

  it('stops a handler that honours its signal when the execution is stopped: cancelled', async () => {
    const id = await trigger({ name: 'wait-then-stop', handler: 'wait' });
    const context = await handlerStarted(id);
    const stopped = await t.request('POST', `/api/v1/executions/${id}/stop`);
    assert.ok(stopped.status < 300, JSON.stringify(stopped.body));
    assert.equal(await watch.finished(id), 'cancelled');
    assert.equal(context.signal.reason, 'stop');
  });

  it("aborts a handler's signal when the task's timeout passes: timeout", async () => {
    const id = await trigger({ name: 'wait-then-time-out', handler: 'wait', timeout_seconds: 1 });
    assert.equal(await watch.finished(id), 'timeout');
    assert.equal((await handlerStarted(id)).signal.reason, 'timeout');
  });

  it('leaves a handler task pending, saying why, when no executor offers its handler', async () => {
    const id = await trigger({ name: 'monthly-report', handler: 'monthly_report' });
    await t.server.dispatcher.settled();
    const execution = await t.request('GET', `/api/v1/executions/${id}`);
    assert.equal(execution.body.status, 'pending');
    assert.match(execution.body.reason ?? '', /monthly_report/);
    await t.request('POST', `/api/v1/executions/${id}/stop`); // leave nothing waiting behind
  });
});

describe('SDK executor lifecycle', () => {
  const valid = { server: 'http://127.0.0.1:9', token: 'unused', name: 'invalid', handlers: {} };
  it('rejects connected when stopped before it connected, and stop() can be called twice', async () => {
    // Nothing listens on port 9 (discard) on loopback: the executor keeps retrying.
    const executor = startExecutor({ server: 'http://127.0.0.1:9', token: 'unused', name: 'never-connects', handlers: { sum } });
    await Promise.all([executor.stop(), executor.stop()]);
    await assert.rejects(executor.connected, (error: unknown) => isCronfleetError(error) && error.code === 'unavailable' && /stopped before it connected/.test(error.message));
  });

  for (const [option, options, pattern] of [
    ['server', { server: 'scheduler:8080' }, /'server' 'scheduler:8080' must be an http:\/\/ or https:\/\/ URL/],
    ['token', { token: '' }, /'token' is required/],
    ['capacity', { capacity: 0 }, /'capacity' must be an integer from 1 to 10000, got 0/],
    ['handlers', { handlers: { 'bad name': sum } }, /handler name 'bad name' is not valid/],
  ] as const) {
    it(`refuses an invalid '${option}' option at once, naming it`, () => {
      assert.throws(
        () => startExecutor({ ...valid, ...options }),
        (error: unknown) => isCronfleetError(error) && error.code === 'invalid_config' && pattern.test(error.message),
      );
    });
  }
});
