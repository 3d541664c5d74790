// Task changes racing a busy fire loop: on MariaDB and PostgreSQL the fire loop's
// locking reads and cursor updates meet the API's inserts, updates and deletes of the
// same table, and InnoDB/PostgreSQL answer some of those meetings with a deadlock or a
// lock-wait timeout. Those are normal: the store runs the transaction again, so no
// client ever sees a 5xx for them (CI once saw `500 !== 201` on POST /tasks here).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';

const FIRING_TASKS = 200;
const CLIENTS = 6;
const ROUNDS = 8;

describe('task changes while the fire loop is busy', () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer({ executor: false });
  });

  after(async () => {
    await t?.close();
  });

  it('create, update, pause, resume and delete from parallel clients never get a 5xx', async () => {
    for (let start = 0; start < FIRING_TASKS; start += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, FIRING_TASKS - start) }, async (_, offset) => {
          const response = await t.request('POST', '/api/v1/tasks', { name: `every-second-${start + offset}`, cron_expression: '* * * * * *', type: 'command', command: '/bin/true' });
          assert.equal(response.status, 201, JSON.stringify(response.body));
        }),
      );
    }
    // The fire loop is recording fires for all of them before the clients start.
    await eventually(
      async () => {
        const status = await t.request('GET', '/api/v1/system/status');
        return status.status === 200 && status.body.pending >= FIRING_TASKS;
      },
      'fires recorded for the firing tasks',
      60_000,
    );

    const failures: string[] = [];
    const check = (what: string, response: { status: number; body: unknown }, expected: number) => {
      if (response.status >= 500 || response.status !== expected) failures.push(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
    };
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let round = 0; round < ROUNDS; round++) {
          const name = `client-${client}-round-${round}`;
          const created = await t.request('POST', '/api/v1/tasks', { name, cron_expression: '* * * * * *', type: 'command', command: '/bin/true' });
          check(`create ${name}`, created, 201);
          if (created.status !== 201) continue;
          const id = (created.body as { id: string }).id;
          check(`update ${name}`, await t.request('PUT', `/api/v1/tasks/${id}`, { name, cron_expression: '*/2 * * * * *', type: 'command', command: '/bin/true' }), 200);
          check(`pause ${name}`, await t.request('POST', `/api/v1/tasks/${id}/pause`), 200);
          check(`resume ${name}`, await t.request('POST', `/api/v1/tasks/${id}/resume`), 200);
          const deleted = await t.request('DELETE', `/api/v1/tasks/${id}`);
          if (deleted.status >= 300) failures.push(`delete ${name}: ${deleted.status} ${JSON.stringify(deleted.body)}`);
        }
      }),
    );
    assert.deepEqual(failures, []);
  });
});
