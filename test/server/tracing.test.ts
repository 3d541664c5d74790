// OpenTelemetry tracing (issue 16): one trace per execution, whose ids the server and a
// real agent process derive alone from the execution id, sent as OTLP/HTTP JSON to a
// local receiver; the W3C traceparent handed to HTTP tasks and processes, tracing on or
// off; and nothing loaded or sent without OTEL_* variables.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { tracingSettings } from '../../src/config/tracing.ts';
import { executionSpanId, runSpanId, stepSpanId, traceIdOf, traceparentOf } from '../../src/domain/trace-context.ts';
import { startLocalExecutor } from '../../src/cli/local-executor.ts';
import { watchExecutions } from '../api/execution-watch.ts';
import { executorToken, startAgent } from '../fleet/helpers.ts';
import { Receiver } from '../helpers/http-receiver.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string | number;
  endTimeUnixNano: string | number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  status?: { code?: number; message?: string };
}

interface ReceivedSpan extends OtlpSpan {
  service: string;
  attribute(key: string): unknown;
}

/** Every span the receiver got, with its service.name and plain attribute values. */
function spansOf(receiver: Receiver): ReceivedSpan[] {
  const plain = (value: Record<string, unknown>) => value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : (value.boolValue ?? value.doubleValue));
  return receiver.received.flatMap((request) => {
    assert.equal(request.path, '/v1/traces');
    const body = JSON.parse(request.body) as { resourceSpans: Array<{ resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
    return body.resourceSpans.flatMap(({ resource, scopeSpans }) => {
      const service = plain(resource.attributes.find((attribute) => attribute.key === 'service.name')!.value) as string;
      return scopeSpans.flatMap(({ spans }) =>
        spans.map((span) => ({ ...span, service, attribute: (key: string) => (({ value }) => (value ? plain(value) : undefined))(span.attributes.find((attribute) => attribute.key === key) ?? { value: undefined }) })),
      );
    });
  });
}

const STATUS_ERROR = 2;

async function trigger(t: TestServer, body: Record<string, unknown>): Promise<{ taskId: string; executionId: string }> {
  const created = await t.request('POST', '/api/v1/tasks', body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const triggered = await t.request('POST', `/api/v1/tasks/${created.body.id}/trigger`, {});
  assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
  return { taskId: created.body.id, executionId: triggered.body.id };
}

async function stdoutOf(t: TestServer, executionId: string): Promise<string> {
  const logs = await t.request('GET', `/api/v1/executions/${executionId}/logs`);
  return (logs.body.items as Array<{ stream: string; chunk: string }>)
    .filter((item) => item.stream === 'stdout')
    .map((item) => item.chunk)
    .join('');
}

describe('OpenTelemetry tracing', () => {
  let receiver: Receiver;
  before(async () => {
    receiver = await new Receiver().start();
  });
  after(() => receiver.close());

  it('records one trace per execution: fire, dispatch and completion from the server, run from a real agent, all under the root', async () => {
    receiver.received.length = 0;
    const otel = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces` };
    const t = await startTestServer({ executor: false, env: otel });
    assert.notEqual(t.server.tracing, null);
    const agent = await startAgent(t, await executorToken(t), 'traced', { env: otel });
    const watch = watchExecutions(t);
    const ran = { executionId: '', taskId: '' };
    try {
      Object.assign(ran, await trigger(t, { name: 'traced-task', type: 'command', command: 'sh', args: ['-c', 'echo "$TRACEPARENT"; echo broken >&2; exit 3'], shell: false }));
      assert.equal(await watch.finished(ran.executionId), 'failed');
      assert.equal((await stdoutOf(t, ran.executionId)).trim(), traceparentOf(ran.executionId, 1));
    } finally {
      watch.stop();
      await agent.kill('SIGTERM'); // flushes the agent's buffered spans
      await t.close(); // and the server's
    }
    const { executionId, taskId } = ran;
    const spans = spansOf(receiver);
    const traceId = executionId.replace(/-/g, '');
    assert.equal(traceIdOf(executionId), traceId);
    assert.deepEqual(new Set(spans.map((span) => span.traceId)), new Set([traceId]), 'every span is in the execution trace');
    const byName = new Map(spans.map((span) => [span.name, span]));
    assert.deepEqual([...byName.keys()].sort(), ['completion', 'dispatch', 'execution traced-task', 'fire', 'run traced-task']);
    assert.equal(spans.length, 5);

    const root = byName.get('execution traced-task')!;
    assert.equal(root.spanId, executionSpanId(executionId));
    assert.ok(!root.parentSpanId, 'the root has no parent');
    assert.equal(root.service, 'cronfleet-server');
    assert.equal(root.status?.code, STATUS_ERROR);
    assert.equal(root.attribute('cronfleet.status'), 'failed');
    for (const step of ['fire', 'dispatch', 'completion'] as const) {
      const span = byName.get(step)!;
      assert.equal(span.spanId, stepSpanId(executionId, step));
      assert.equal(span.parentSpanId, root.spanId, `${step} is a child of the root`);
      assert.equal(span.service, 'cronfleet-server');
    }
    const run = byName.get('run traced-task')!;
    assert.equal(run.service, 'cronfleet-executor');
    assert.equal(run.parentSpanId, root.spanId);
    assert.equal(run.spanId, runSpanId(executionId, 1));
    assert.equal(run.status?.code, STATUS_ERROR);
    assert.equal(run.attribute('cronfleet.exit_code'), 3);

    const executorId = root.attribute('cronfleet.executor.id');
    assert.ok(executorId);
    for (const span of spans) {
      assert.equal(span.attribute('cronfleet.execution.id'), executionId);
      assert.equal(span.attribute('cronfleet.task.id'), taskId);
      assert.equal(span.attribute('cronfleet.task.name'), 'traced-task');
      assert.equal(span.attribute('cronfleet.attempt'), 1);
      assert.equal(span.attribute('cronfleet.trigger'), 'manual');
      assert.equal(span.attribute('cronfleet.executor.id'), executorId);
      assert.ok(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano), `${span.name} ends after it starts`);
    }
    // The children lie within the root; dispatch ends where the run was heard starting.
    for (const span of spans.filter((candidate) => candidate !== root && candidate !== run)) {
      assert.ok(BigInt(span.startTimeUnixNano) >= BigInt(root.startTimeUnixNano) && BigInt(span.endTimeUnixNano) <= BigInt(root.endTimeUnixNano), `${span.name} within the root`);
    }
  });

  it("traces the runs of `cronfleet up`'s local executor under the same root", async () => {
    receiver.received.length = 0;
    const t = await startTestServer({ executor: false, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'cronfleet-all-in-one' } });
    const local = await startLocalExecutor(t.server.gateway, { name: 'local', capacity: 2, labels: {}, version: 'test', spans: t.server.tracing });
    const watch = watchExecutions(t);
    const ran = { executionId: '' };
    try {
      Object.assign(ran, await trigger(t, { name: 'local-traced', type: 'command', command: 'true', args: [], shell: false }));
      assert.equal(await watch.finished(ran.executionId), 'success');
    } finally {
      watch.stop();
      await local.stop();
      await t.close();
    }
    const { executionId } = ran;
    const spans = spansOf(receiver);
    const run = spans.find((span) => span.name === 'run local-traced');
    assert.ok(run, 'the local run has its span');
    assert.equal(run.traceId, traceIdOf(executionId));
    assert.equal(run.parentSpanId, executionSpanId(executionId));
    assert.equal(run.status?.code ?? 0, 0);
    assert.ok(spans.every((span) => span.service === 'cronfleet-all-in-one'));
    assert.equal(spans.find((span) => span.name === 'execution local-traced')?.attribute('cronfleet.status'), 'success');
  });
});

describe('traceparent handed to tasks, with tracing off', () => {
  let t: TestServer;
  let target: Receiver;
  before(async () => {
    target = await new Receiver().start();
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
    await target.close();
  });

  it('gives a process TRACEPARENT, the run span of the execution trace', async () => {
    assert.equal(t.server.tracing, null);
    const watch = watchExecutions(t);
    try {
      const { executionId } = await trigger(t, { name: 'env-traceparent', type: 'command', command: 'sh', args: ['-c', 'echo "$TRACEPARENT"'], shell: false });
      assert.equal(await watch.finished(executionId), 'success');
      const traceparent = (await stdoutOf(t, executionId)).trim();
      assert.equal(traceparent, `00-${executionId.replace(/-/g, '')}-${runSpanId(executionId, 1)}-01`);
    } finally {
      watch.stop();
    }
  });

  it('sends an HTTP task a traceparent header, unless the task sets its own', async () => {
    const watch = watchExecutions(t);
    try {
      const plain = await trigger(t, { name: 'http-traceparent', type: 'http', http: { method: 'GET', url: `${target.url}/plain` } });
      assert.equal(await watch.finished(plain.executionId), 'success');
      const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const custom = await trigger(t, { name: 'http-own-traceparent', type: 'http', http: { method: 'GET', url: `${target.url}/custom`, headers: { TraceParent: own } } });
      assert.equal(await watch.finished(custom.executionId), 'success');
      assert.equal(target.received.find((request) => request.path === '/plain')?.headers.traceparent, traceparentOf(plain.executionId, 1));
      assert.equal(target.received.find((request) => request.path === '/custom')?.headers.traceparent, own);
    } finally {
      watch.stop();
    }
  });
});

describe('tracing off', () => {
  it('is off without OTEL_* variables, with OTEL_SDK_DISABLED=true and with OTEL_TRACES_EXPORTER=none', () => {
    assert.equal(tracingSettings({}, 'cronfleet-server'), null);
    assert.equal(tracingSettings({ OTEL_SERVICE_NAME: 'x' }, 'cronfleet-server'), null);
    assert.equal(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }, 'cronfleet-server'), null);
    assert.equal(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }, 'cronfleet-server'), null);
    assert.deepEqual(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }, 'cronfleet-server'), { exporters: ['otlp'], serviceName: 'cronfleet-server', otlpUrl: 'http://collector:4318/v1/traces' });
    assert.deepEqual(tracingSettings({ OTEL_TRACES_EXPORTER: 'console' }, 'cronfleet-executor'), { exporters: ['console'], serviceName: 'cronfleet-executor', otlpUrl: null });
    assert.throws(() => tracingSettings({ OTEL_TRACES_EXPORTER: 'zipkin' }, 'cronfleet-server'), /OTEL_TRACES_EXPORTER/);
  });

  /**
   * A child process that records every module it resolves, runs an execution on a real
   * server with its local executor, and says which OpenTelemetry SDK modules it loaded.
   * (@opentelemetry/api is left out: prom-client loads it for exemplars, traced or not.)
   */
  async function untracedRun(otel: Record<string, string>): Promise<unknown> {
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ resolve(specifier, context, next) { if (specifier.startsWith('@opentelemetry/') && specifier !== '@opentelemetry/api') loaded.push(specifier); return next(specifier, context); } });
      const { startTestServer } = await import(${JSON.stringify(resolve(import.meta.dirname, '../helpers/server.ts'))});
      const t = await startTestServer({ env: JSON.parse(process.argv[1]) });
      const created = await t.request('POST', '/api/v1/tasks', { name: 'untraced', type: 'command', command: 'true', args: [], shell: false });
      const finished = t.server.events.wait('execution.finished');
      await t.request('POST', '/api/v1/tasks/' + created.body.id + '/trigger', {});
      const { status } = await finished;
      const tracing = t.server.tracing;
      await t.close();
      process.stdout.write(JSON.stringify({ status, tracing, loaded }));
    `;
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
    const { stdout } = await promisify(execFile)(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', script, JSON.stringify(otel)], {
      env,
      cwd: resolve(import.meta.dirname, '../..'),
    });
    return JSON.parse(stdout);
  }

  it('loads no OpenTelemetry SDK module when no OTEL_* variable is set', async () => {
    assert.deepEqual(await untracedRun({}), { status: 'success', tracing: null, loaded: [] });
    // The same run with tracing on does load it: the check above sees what it looks for.
    const receiver = await new Receiver().start();
    try {
      const traced = (await untracedRun({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces` })) as { loaded: string[] };
      assert.ok(traced.loaded.includes('@opentelemetry/sdk-trace'), JSON.stringify(traced));
      assert.ok(receiver.received.length > 0);
    } finally {
      await receiver.close();
    }
  });

  it('loads and sends nothing with OTEL_SDK_DISABLED=true, even with an endpoint set', async () => {
    const receiver = await new Receiver().start();
    try {
      assert.deepEqual(await untracedRun({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`, OTEL_SDK_DISABLED: 'true' }), { status: 'success', tracing: null, loaded: [] });
      assert.equal(receiver.received.length, 0);
    } finally {
      await receiver.close();
    }
  });
});
