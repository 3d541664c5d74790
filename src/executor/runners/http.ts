// `http` tasks: one request with the global fetch. Success is the expected status
// (any 2xx when none is given). The response body becomes the execution's output.
// Redirects are not followed (a 3xx is the result), and link-local and cloud-metadata
// destinations are refused unless the executor allows them (network-policy.ts).
import { refusedDestination } from '../network-policy.ts';
import { traceparentOf } from '../../domain/trace-context.ts';
import { text } from '../../protocol/messages/index.ts';
import { failed } from './process-runner.ts';
import type { RunContext, RunOutcome, Runner } from './runner.ts';

interface HttpSettings {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  expect_status?: number[];
}

export const httpRunner: Runner = {
  type: 'http',
  async run(context: RunContext): Promise<RunOutcome> {
    const spec = context.task.spec as unknown as HttpSettings;
    const expected = spec.expect_status ?? [];
    const headers: Record<string, string> = {
      'user-agent': 'cronfleet',
      'x-cronfleet-execution-id': context.task.id,
      'x-cronfleet-task-id': context.task.task_id,
      ...spec.headers,
    };
    // The run's span in the execution's trace (W3C trace context), unless the task sets its own.
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'traceparent')) headers.traceparent = traceparentOf(context.task.id, context.task.attempt);
    if (!context.policy.allowLinkLocal && URL.canParse(spec.url)) {
      const refused = await refusedDestination(new URL(spec.url));
      if (refused) return failed(context, `${spec.method} ${spec.url} refused: ${refused}; this executor allows it only when started with --allow-link-local`);
    }
    const started = Date.now();
    try {
      const response = await fetch(spec.url, {
        method: spec.method,
        headers,
        body: spec.body === null || spec.method === 'GET' || spec.method === 'HEAD' ? null : spec.body,
        signal: context.signal,
        redirect: 'manual',
      });
      // Node's fetch types the body's chunks as any; they are bytes.
      const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
      while (reader) {
        const { done, value } = await reader.read();
        if (done) break;
        context.output.write('stdout', Buffer.from(value));
      }
      const ok = expected.length > 0 ? expected.includes(response.status) : response.status >= 200 && response.status < 300;
      const result = { status: response.status, duration_ms: Date.now() - started, output_bytes: context.output.totalBytes };
      const error = ok ? null : text('run.httpStatus', { status: response.status, expected: expected.join(', ') });
      return { status: ok ? 'success' : 'failed', exitCode: null, result, error: error?.toString() ?? null, ...(error ? { errorDetail: error } : {}) };
    } catch (error) {
      if (context.signal.aborted) return { status: 'failed', exitCode: null, result: null, error: `request aborted (${String(context.signal.reason)})` };
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      const message = text('run.requestFailed', { method: spec.method, url: spec.url, error: `${error instanceof Error ? error.message : String(error)}${cause}` });
      context.output.system(`${message.toString()}\n`);
      return { status: 'failed', exitCode: null, result: null, error: message.toString(), errorDetail: message };
    }
  },
};
