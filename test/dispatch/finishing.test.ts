// One door to a terminal state (dispatch/execution-finisher.ts): whoever reports that an
// execution ended — an agent, an HTTP executor's callback, a sweep, the dispatcher — the
// end goes through the one ExecutionFinisher the server was built with, the store's
// terminal write happens inside it, and `execution.finished` fires exactly once.
import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import type { FinishOutcome, FinishReport } from '../../src/dispatch/execution-finisher.ts';
import type { DispatchEvents } from '../../src/dispatch/events.ts';
import { watchExecutions } from '../api/execution-watch.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { executorToken, helloFrame, rawExecutor, type RawExecutor } from '../fleet/helpers.ts';
import { eventually } from '../scheduler/helpers.ts';
import { HttpExecutorHarness } from './http-executor-harness.ts';

interface Finishing {
  /** Every call of the finisher, with what it answered. */
  reports: Array<{ report: FinishReport; outcome: FinishOutcome }>;
  /** Every terminal write of the store, and whether it ran inside the finisher. */
  writes: Array<{ executionId: string; insideFinisher: boolean }>;
  events: Array<DispatchEvents['execution.finished']>;
}

/** Watches the server's one finisher (the instance the dispatcher, gateway and HTTP executors share). */
function watchFinishing(t: TestServer): Finishing {
  const finisher = t.server.dispatcher.finisher;
  assert.equal(t.server.gateway.finisher, finisher, 'the gateway and the dispatcher share one finisher');
  const inside = new AsyncLocalStorage<true>();
  const watched: Finishing = { reports: [], writes: [], events: [] };
  const finish = finisher.finish.bind(finisher);
  finisher.finish = (report) =>
    inside.run(true, async () => {
      const outcome = await finish(report);
      watched.reports.push({ report, outcome });
      return outcome;
    });
  const executions = t.server.store.executions;
  const write = executions.finishMany.bind(executions);
  executions.finishMany = (rows, ...rest) => {
    for (const row of rows) watched.writes.push({ executionId: row.id, insideFinisher: inside.getStore() === true });
    return write(rows, ...rest);
  };
  t.server.events.on('execution.finished', (payload) => watched.events.push(payload));
  return watched;
}

/** The execution ended once, through the finisher, reported by `by`. */
function assertFinishedOnce(watched: Finishing, executionId: string, by: FinishReport['by'], status: string): void {
  const events = watched.events.filter((event) => event.executionId === executionId);
  assert.equal(events.length, 1, 'execution.finished fires once');
  assert.equal(events[0]!.status, status);
  const writes = watched.writes.filter((write) => write.executionId === executionId);
  assert.ok(writes.length > 0 && writes.every((write) => write.insideFinisher), 'every terminal write happens inside the finisher');
  const won = watched.reports.filter((entry) => entry.report.executionId === executionId && entry.outcome === 'finished');
  assert.equal(won.length, 1);
  assert.deepEqual(won[0]!.report.by, by);
}

async function finishedEvent(t: TestServer, executionId: string): Promise<DispatchEvents['execution.finished']> {
  const current = await t.server.store.executions.get(executionId);
  if (current && current.endTime !== null) throw new Error(`execution ${executionId} ended before the wait began: ${JSON.stringify(current)}`);
  return t.server.events.wait('execution.finished', (event) => event.executionId === executionId);
}

async function rawAgent(t: TestServer, name: string): Promise<{ agent: RawExecutor; executorId: string }> {
  const agent = await rawExecutor(t.url, await executorToken(t));
  agent.send(helloFrame(name));
  const welcome = await agent.next((frame) => frame.action === 'welcome');
  return { agent, executorId: welcome.executor_id };
}

/** Triggers a command task routed to executor `name` and waits until its run reached the agent. */
async function runOn(t: TestServer, agent: RawExecutor, name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const task = await t.request('POST', '/api/v1/tasks', { name: `finish-on-${name}`, command: 'true', executors: [{ executor: name }], ...extra });
  assert.equal(task.status, 201, JSON.stringify(task.body));
  const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
  await agent.next((frame) => frame.action === 'run' && frame.tasks.some((item: { id: string }) => item.id === run.body.id));
  return run.body.id;
}

describe('finishing an execution', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function server(start: () => Promise<TestServer>): Promise<{ t: TestServer; watched: Finishing }> {
    const t = await start();
    cleanups.push(() => t.close());
    return { t, watched: watchFinishing(t) };
  }

  // The raw agents here send no heartbeats: with the fleet's 0.3 s interval a loaded machine
  // judged one lost before its run was sent, and the wait for the run never ended.
  it("an agent's result ends the run through the finisher once; the same report again changes nothing", async () => {
    const { t, watched } = await server(() => startTestServer({ executor: false }));
    const { agent, executorId } = await rawAgent(t, 'reporter');
    cleanups.push(() => agent.socket.close());
    const id = await runOn(t, agent, 'reporter');
    const ended = finishedEvent(t, id);
    const report = { action: 'task_update', worker_id: executorId, task_id: id, attempt: 1, data: { status: 'success', exit_code: 0, result: { rows: 3 } } };
    agent.send(report);
    agent.send(report);
    await eventually(async () => agent.frames.filter((frame) => frame.action === 'ack').length === 2, 'both copies to be acknowledged');
    const stored = (await t.server.store.executions.get(id))!;
    assert.deepEqual(await ended, {
      executionId: id,
      taskId: stored.taskId,
      taskName: 'finish-on-reporter',
      status: 'success',
      executorId,
      attempt: 1,
      retryId: null,
      workflowRunId: null,
      startTime: stored.startTime,
      endTime: stored.endTime,
    });
    assertFinishedOnce(watched, id, { executorId, attempt: 1 }, 'success');
    assert.deepEqual(
      watched.reports.filter((entry) => entry.report.executionId === id).map((entry) => entry.outcome),
      ['finished', 'ended_before'],
    );
  });

  it("an agent's failure is masked and retried by the finisher", async () => {
    const { t, watched } = await server(() => startTestServer({ executor: false }));
    const { agent, executorId } = await rawAgent(t, 'leaky');
    cleanups.push(() => agent.socket.close());
    const id = await runOn(t, agent, 'leaky', { env: { API_KEY: { secret: 'sk-live-4242' } }, max_retry: 1, retry_backoff_seconds: 3600 });
    const ended = finishedEvent(t, id);
    agent.send({ action: 'task_update', worker_id: executorId, task_id: id, attempt: 1, data: { status: 'failed', exit_code: 1, error: 'denied for sk-live-4242', result: { key: 'sk-live-4242' } } });
    const event = await ended;
    assertFinishedOnce(watched, id, { executorId, attempt: 1 }, 'failed');
    // Masked before it was stored, not only when read through the API.
    const stored = (await t.server.store.executions.get(id))!;
    assert.equal(stored.error, 'denied for ******');
    assert.deepEqual(stored.result, { key: '******' });
    assert.notEqual(event.retryId, null);
    const retry = (await t.server.store.executions.get(event.retryId!))!;
    assert.equal(retry.retryOf, id);
    assert.equal(retry.attempt, 2);
  });

  it('an HTTP executor callback ends the run through the finisher once; a repeated callback is refused', async () => {
    const { t, watched } = await server(() => startTestServer({ executor: false }));
    const harness = await HttpExecutorHarness.start();
    cleanups.push(() => harness.close());
    const registered = await t.request('POST', '/api/v1/executors/register', harness.registration('finisher-http'));
    harness.adopt(registered.body);
    harness.outcome = () => null;
    const watch = watchExecutions(t);
    cleanups.push(() => watch.stop());
    const task = await t.request('POST', '/api/v1/tasks', { name: 'http-finished' });
    const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    const id = triggered.body.id as string;
    const run = await harness.run(id);
    assert.equal((await harness.callback(run, { status: 'success', result: { ok: true } })).status, 200);
    assert.equal(await watch.finished(id), 'success');
    const again = await harness.callback(run, { status: 'failed', error: 'late' });
    assert.equal(again.status, 409);
    assertFinishedOnce(watched, id, { executorId: harness.executorId }, 'success');
    const stored = (await t.server.store.executions.get(id))!;
    assert.notEqual(stored.startTime, null, 'the start is the push when no running report came');
  });

  it('the deadline sweep times a silent run out through the finisher once, however often it sweeps', async () => {
    const clock = new FakeClock();
    const { t, watched } = await server(() => startTestServer({ clock, executor: false }));
    const { agent } = await rawAgent(t, 'silent');
    cleanups.push(() => agent.socket.close());
    const id = await runOn(t, agent, 'silent', { timeout_seconds: 1 });
    const ended = finishedEvent(t, id);
    await clock.advance(60_000); // past the timeout and the deadline grace
    await Promise.all([t.server.scheduler.sweeps.sweep(), t.server.scheduler.sweeps.sweep()]);
    await ended;
    assertFinishedOnce(watched, id, 'server', 'timeout');
    assert.equal((await t.server.store.executions.get(id))!.reason, 'deadline_passed');
  });

  it('the lost-executor sweep fails the runs of a silent agent through the finisher once', async () => {
    // Lost after about two 2 s intervals without a heartbeat: time for its run to reach it first.
    const { t, watched } = await server(() => startTestServer({ executor: false, env: { CRONFLEET_HEARTBEAT_INTERVAL_SECONDS: '2' } }));
    const { agent, executorId } = await rawAgent(t, 'vanishing');
    const id = await runOn(t, agent, 'vanishing');
    agent.send({ action: 'task_update', worker_id: executorId, task_id: id, attempt: 1, data: { status: 'running' } });
    await eventually(async () => (await t.server.store.executions.get(id))!.startTime !== null, 'the run to start');
    const ended = finishedEvent(t, id);
    agent.socket.terminate();
    await ended;
    assertFinishedOnce(watched, id, 'server', 'failed');
    assert.equal((await t.server.store.executions.get(id))!.reason, 'executor_lost');
  });

  it("the dispatcher cancels a deleted task's pending run through the finisher once", async () => {
    const { t, watched } = await server(() => startTestServer({ executor: false }));
    const task = await t.request('POST', '/api/v1/tasks', { name: 'deleted-while-waiting', command: 'true', dispatch_timeout_seconds: 3600 });
    const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    const id = triggered.body.id as string;
    await eventually(async () => (await t.server.store.executions.get(id))!.reason !== null, 'the run to wait for an executor');
    const ended = finishedEvent(t, id);
    assert.equal((await t.request('DELETE', `/api/v1/tasks/${task.body.id}`)).status, 204);
    assert.equal((await ended).status, 'cancelled');
    assertFinishedOnce(watched, id, 'server', 'cancelled');
    assert.equal((await t.server.store.executions.get(id))!.reason, 'task_deleted');
  });

  it('a stop of a pending run is a cancel through the finisher once', async () => {
    const { t, watched } = await server(() => startTestServer({ executor: false }));
    // No executor: it waits for one up to its dispatch timeout, which a loaded machine outlasted with the default.
    const task = await t.request('POST', '/api/v1/tasks', { name: 'stopped-while-waiting', command: 'true', dispatch_timeout_seconds: 3600 });
    const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    const id = triggered.body.id as string;
    const ended = finishedEvent(t, id);
    assert.equal((await t.request('POST', `/api/v1/executions/${id}/stop`)).status, 202);
    await ended;
    assert.equal((await t.request('POST', `/api/v1/executions/${id}/stop`)).status, 409);
    assertFinishedOnce(watched, id, 'server', 'cancelled');
  });
});

describe('the door to a terminal state', () => {
  it('only the finisher writes a terminal status', () => {
    const root = join(import.meta.dirname, '..', '..', 'src');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    const using = (pattern: RegExp) => files.filter((file) => pattern.test(readFileSync(join(root, file), 'utf8')));
    // The store's terminal writes are made by the finisher's own FinishWrites, which nothing else builds.
    assert.deepEqual(using(/\.executions\.finish(Many)?\(/), [join('dispatch', 'finish-writes.ts')]);
    assert.deepEqual(using(/new FinishWrites\(/), [join('dispatch', 'execution-finisher.ts')]);
  });
});
