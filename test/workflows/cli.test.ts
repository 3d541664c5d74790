// The CLI for issue 19: `cronfleet workflow ls|show|trigger` and `cronfleet task backfill`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../cli/run-cli.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createTask } from '../scheduler/helpers.ts';
import { createWorkflow, waitForRun } from './helpers.ts';

describe('workflow and backfill commands', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());
  const cli = (...args: string[]) => runCli([...args, '--server', t.url, '--token', t.token], { cwd: t.dataDir });

  it('lists, shows and triggers a workflow by name', async () => {
    const task = await createTask(t, { name: 'cli-step', command: 'true' });
    await createWorkflow(t, {
      name: 'cli-flow',
      steps: [
        { name: 'first', task_id: task.id },
        { name: 'second', task_id: task.id, depends_on: [{ step: 'first', on: 'complete' }] },
      ],
    });
    const listed = await cli('workflow', 'ls');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /cli-flow/);
    const triggered = await cli('workflow', 'trigger', 'cli-flow', '--params', '{"day":"monday"}');
    assert.equal(triggered.code, 0, triggered.stderr);
    const run = JSON.parse(triggered.stdout) as { id: string; parameters: Record<string, unknown> };
    assert.equal(run.parameters.day, 'monday');
    await waitForRun(t, run.id);
    const shown = await cli('workflow', 'show', 'cli-flow');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /second \[success\] task cli-step after first \(complete\)/);
  });

  it('backfills a task, and --dry-run only lists', async () => {
    const task = await createTask(t, { name: 'cli-hourly', command: 'true', cron_expression: '0 * * * *' });
    const from = new Date(Date.now() - 3 * 3_600_000 + 1).toISOString(); // exactly three hourly instants, whatever the minute
    const to = new Date().toISOString();
    const dry = await cli('task', 'backfill', 'cli-hourly', '--from', from, '--to', to, '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would create 3, skipped 0/);
    const done = await cli('task', 'backfill', task.id, '--from', from, '--to', to);
    assert.match(done.stdout, /created 3, skipped 0/);
    const again = await cli('task', 'backfill', task.id, '--from', from, '--to', to);
    assert.match(again.stdout, /created 0, skipped 3/);
  });
});
