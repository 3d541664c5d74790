// A server that is slow to store results (busy, or a slow database) acknowledges them
// late but in order. The agent must not send such a result again while its link is up:
// every copy waits in the same queue behind the original and makes the acks later still,
// so a busy server was buried under copies (a restarted server under load got several
// copies of each result and its executors stayed "full" of runs that had long ended).
// A result the server could not store is still sent again (outage.test.ts).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { TestServer } from '../helpers/server.ts';
import { agentClient, executorToken, runMany, startFleetServer } from './helpers.ts';

/** Makes every store of a finished run take `ms` longer, like a busy database. */
function slowFinish(t: TestServer, ms: number): void {
  const executions = t.server.store.executions;
  const original = executions.finishMany.bind(executions);
  executions.finishMany = async (...args: Parameters<typeof original>) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return original(...args);
  };
}

/** Counts the final reports (task_update, not running) this process puts on any WebSocket, by execution. */
function countFinalReports(): { counts: Map<string, number>; restore: () => void } {
  const counts = new Map<string, number>();
  const prototype = WebSocket.prototype as unknown as { send: (this: WebSocket, ...args: unknown[]) => void };
  const original = prototype.send;
  prototype.send = function (this: WebSocket, data: unknown, ...rest: unknown[]) {
    if (typeof data === 'string' && data.includes('"task_update"')) {
      const frame = JSON.parse(data) as { task_id: string; data: { status: string } };
      if (frame.data.status !== 'running') counts.set(frame.task_id, (counts.get(frame.task_id) ?? 0) + 1);
    }
    original.call(this, data, ...rest);
  };
  return { counts, restore: () => (prototype.send = original) };
}

describe('results acknowledged late by a busy server', () => {
  const cleanups: Array<() => unknown> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('an agent sends each result once while the server works through them', async () => {
    const t = await startFleetServer();
    cleanups.push(() => t.close());
    // Re-sends would start 20 ms after a result; each takes the server 300 ms to store.
    const client = agentClient([t.url], await executorToken(t), 'patient', { capacity: 8, resend: { initialMs: 20, maxMs: 60_000 } });
    cleanups.push(() => client.stop());
    await client.welcomed();
    const reports = countFinalReports();
    cleanups.push(reports.restore);
    slowFinish(t, 300);

    const task = await t.request('POST', '/api/v1/tasks', { name: 'slow-to-store', command: 'true' });
    assert.equal(task.status, 201, JSON.stringify(task.body));
    const runs = await runMany(t, task.body.id, 6);
    assert.equal(runs.length, 6);
    for (const run of runs) {
      assert.equal(run.status, 'success', JSON.stringify(run));
      assert.equal(reports.counts.get(run.id), 1, `execution ${run.id}: its result was sent ${reports.counts.get(run.id) ?? 0} times`);
    }
  });
});
