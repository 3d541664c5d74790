import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { handlerRunner, type HandlerContext } from '../../src/executor/runners/handler.ts';
import { defaultRunners } from '../../src/executor/runners/index.ts';
import { isCronfleetError } from '../../src/protocol/errors.ts';
import { traceparentOf } from '../../src/domain/trace-context.ts';
import { AgentHarness, runTask } from './agent-harness.ts';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Rejects when the signal aborts: what a handler that honours its signal does. */
function abortion(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error(`aborted: ${String(signal.reason)}`)), { once: true }));
}

function handlerTask(handler: string, overrides: Parameters<typeof runTask>[2] = {}) {
  return runTask('handler', { handler }, overrides);
}

describe('handler runner', () => {
  let harness: AgentHarness;
  // Handlers tell the test where they are; the test lets stubborn ones finish at the end.
  const started = new Map<string, Deferred<HandlerContext>>();
  const release = deferred();
  const startedFor = (id: string) => {
    if (!started.has(id)) started.set(id, deferred<HandlerContext>());
    return started.get(id)!;
  };

  before(() => {
    const handlers = {
      sum: ({ parameters, log, logError }: HandlerContext) => {
        log(`adding ${String(parameters.a)} and ${String(parameters.b)}`);
        logError('a warning\n');
        return { total: Number(parameters.a) + Number(parameters.b) };
      },
      whoami: (context: HandlerContext) => {
        const { signal, log, logError, ...rest } = context;
        return { ...rest, aborted: signal.aborted };
      },
      nothing: () => undefined,
      explode: async () => {
        throw new Error('the ledger is locked');
      },
      bigint: () => ({ count: 10n }),
      circular: () => {
        const value: Record<string, unknown> = {};
        value.self = value;
        return value;
      },
      callback: () => ({ done: () => true }),
      map: () => ({ seen: new Map([['a', 1]]) }),
      huge: () => 'x'.repeat(300 * 1024),
      patient: async (context: HandlerContext) => {
        startedFor(context.executionId).resolve(context);
        await abortion(context.signal);
      },
      stubborn: async (context: HandlerContext) => {
        startedFor(context.executionId).resolve(context);
        await release.promise; // ignores its signal
        return 'too late';
      },
    };
    harness = new AgentHarness({ runners: [...defaultRunners(), handlerRunner(handlers)], killGraceMs: 200 });
  });
  after(async () => {
    release.resolve();
    await harness.close();
  });

  it('advertises handler:<name> for each handler, next to the other runners', () => {
    const runners = harness.agent.hello().runners;
    for (const name of ['sum', 'whoami', 'patient', 'stubborn']) assert.ok(runners.includes(`handler:${name}`), name);
    assert.ok(runners.includes('command'));
    assert.ok(!runners.includes('handler'), 'a bare "handler" would promise every handler');
  });

  it("makes the handler's resolved value the result and its log lines the output", async () => {
    const task = handlerTask('sum', { parameters: { a: 1, b: 2 } });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    assert.deepEqual(update.data.result, { total: 3 });
    assert.equal(update.data.error, null);
    assert.equal(harness.output(task.id, 'stdout'), 'adding 1 and 2\n');
    assert.equal(harness.output(task.id, 'stderr'), 'a warning\n');
  });

  it("gives the handler the execution's identity, parameters and a live signal", async () => {
    const task = handlerTask('whoami', { attempt: 2, trigger: 'retry', parameters: { region: 'eu' }, shard: { index: 1, total: 3 } });
    const update = await harness.run(task);
    assert.deepEqual(update.data.result, {
      executionId: task.id,
      taskId: task.task_id,
      taskName: task.task_name,
      attempt: 2,
      scheduledTime: task.scheduled_time,
      trigger: 'retry',
      traceparent: traceparentOf(task.id, 2),
      shard: { index: 1, total: 3 },
      parameters: { region: 'eu' },
      aborted: false,
    });
  });

  it('reports a handler that returns nothing as success with a null result', async () => {
    const update = await harness.run(handlerTask('nothing'));
    assert.equal(update.data.status, 'success');
    assert.equal(update.data.result, null);
  });

  it('fails with the thrown error message and puts the stack in stderr', async () => {
    const task = handlerTask('explode');
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.equal(update.data.error, "handler 'explode' failed: the ledger is locked");
    assert.match(harness.output(task.id, 'stderr'), /Error: the ledger is locked\n\s+at /);
  });

  it('fails a task naming a handler this executor does not have, saying which it has', async () => {
    const update = await harness.run(handlerTask('missing'));
    assert.equal(update.data.status, 'failed');
    assert.match(update.data.error ?? '', /^this executor has no handler 'missing' \(it offers: sum, whoami, /);
  });

  for (const [name, because] of [
    ['bigint', /BigInt/],
    ['circular', /circular/],
    ['callback', /field 'done' is a function/],
    ['map', /field 'seen' is a Map/],
  ] as const) {
    it(`fails when the result is not JSON-serialisable (${name})`, async () => {
      const update = await harness.run(handlerTask(name));
      assert.equal(update.data.status, 'failed');
      assert.match(update.data.error ?? '', new RegExp(`^handler '${name}' returned a value that is not JSON-serialisable: `));
      assert.match(update.data.error ?? '', because);
      assert.equal(update.data.result, null);
    });
  }

  it('fails when the result is too large to report', async () => {
    const update = await harness.run(handlerTask('huge'));
    assert.equal(update.data.status, 'failed');
    assert.match(update.data.error ?? '', /over the 262144-byte limit/);
  });

  it('aborts the signal on a stop request and ends the execution as cancelled', async () => {
    const task = handlerTask('patient');
    const finished = harness.run(task);
    const context = await startedFor(task.id).promise;
    harness.agent.handle({ action: 'stop', tasks: [{ id: task.id }] });
    const update = await finished;
    assert.equal(update.data.status, 'cancelled');
    assert.equal(context.signal.reason, 'stop');
  });

  it('aborts the signal when the timeout passes and ends the execution as timeout', async () => {
    const task = handlerTask('patient', { timeout: 1 });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'timeout');
    assert.equal(update.data.error, 'timed out after 1s');
    assert.equal((await startedFor(task.id).promise).signal.reason, 'timeout');
  });

  it('abandons a handler that ignores its signal after the grace period, and drops its later output', async () => {
    const task = handlerTask('stubborn');
    const finished = harness.run(task);
    const context = await startedFor(task.id).promise;
    harness.agent.handle({ action: 'stop', tasks: [{ id: task.id }] });
    const update = await finished;
    assert.equal(update.data.status, 'cancelled');
    assert.match(harness.output(task.id, 'system'), /handler 'stubborn' was still running after the stop request and was abandoned/);
    const before = harness.output(task.id);
    context.log('written after the end');
    assert.equal(harness.output(task.id), before);
  });

  it('refuses a handler name the server would never route to', () => {
    assert.throws(
      () => handlerRunner({ 'has space': () => 1 }),
      (error: unknown) => isCronfleetError(error) && error.code === 'invalid_config' && /handler name 'has space' is not valid/.test(error.message),
    );
  });
});
