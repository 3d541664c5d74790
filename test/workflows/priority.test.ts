// Task priority (issue 19): under a saturated executor the free slot goes to the pending
// execution of the highest priority; equal priorities keep the fire order.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTask, eventually } from '../scheduler/helpers.ts';

describe('task priority', () => {
  let t: TestServer;
  let gateDir: string;
  afterEach(async () => {
    await t.close();
    rmSync(gateDir, { recursive: true, force: true });
  });

  it('a saturated executor takes pending executions by priority, equal priorities in fire order', async () => {
    t = await startTestServer({ capacity: 1 });
    gateDir = mkdtempSync(join(tmpdir(), 'cronfleet-gate-'));
    const gate = join(gateDir, 'open');
    const blocker = await createTask(t, { name: 'blocker', command: `while [ ! -e '${gate}' ]; do sleep 0.05; done`, shell: true });
    const quick = (name: string, priority?: number) => createTask(t, { name, command: 'true', ...(priority === undefined ? {} : { priority }) });
    const low1 = await quick('low-1', -5);
    const normal1 = await quick('normal-1');
    const high = await quick('high', 10);
    const normal2 = await quick('normal-2');
    assert.equal(normal1.priority, 0, 'default priority is 0');
    assert.equal(high.priority, 10);

    const started = t.server.events.wait('execution.started');
    await t.request('POST', `/api/v1/tasks/${blocker.id}/trigger`, {});
    await started; // the only slot is taken
    const order: string[] = [];
    // The blocker's own dispatch may be told after its start (the agent's report can overtake
    // the dispatcher's bookkeeping under load): only the four tasks below count.
    t.server.events.on('execution.dispatched', ({ taskId }) => {
      if (taskId !== blocker.id) order.push(taskId);
    });
    for (const task of [low1, normal1, high, normal2]) {
      assert.equal((await t.request('POST', `/api/v1/tasks/${task.id}/trigger`, {})).status, 202);
    }
    await t.server.dispatcher.settled();
    const blockerRun = (await t.request('GET', `/api/v1/executions?task_id=${blocker.id}`)).body.items[0];
    assert.deepEqual(order, [], `nothing dispatched while the executor is full (the blocker: ${blockerRun.status} ${blockerRun.reason ?? ''})`);

    writeFileSync(gate, '');
    await eventually(async () => order.length === 4, 'all four to be dispatched');
    assert.deepEqual(order, [high.id, normal1.id, normal2.id, low1.id]);
  });

  it('refuses a priority outside -1000..1000, naming the field', async () => {
    t = await startTestServer({ executor: false });
    gateDir = mkdtempSync(join(tmpdir(), 'cronfleet-gate-'));
    const response = await t.request('POST', '/api/v1/tasks', { name: 'too-high', command: 'true', priority: 5000 });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.details.field, 'priority');
  });
});
