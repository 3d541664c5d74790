// The foundation's promise, end to end with real processes and real time: `cronfleet up`
// runs a task every second, once per second, none doubled or missed; pause stops it;
// a crash in the middle of a run leaves nothing running.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { OVERLAP_SKIPPED_REASON } from '../../src/domain/overlap.ts';
import { removeTestData } from '../helpers/database.ts';
import { eventually } from '../scheduler/helpers.ts';
import { CLI, startUp, type UpProcess } from './process.ts';

const run = promisify(execFile);

describe('cronfleet up (real processes, real time)', () => {
  const dirs: string[] = [];
  const processes: UpProcess[] = [];
  after(async () => {
    for (const up of processes) await up.stop('SIGKILL');
    for (const dir of dirs) await removeTestData(dir);
  });

  it('runs a task every second, one success per second with none doubled or missed, until paused', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-e2e-'));
    dirs.push(dataDir);
    const up = await startUp(dataDir);
    processes.push(up);
    assert.match(up.output(), /admin token was created/);
    const health = (await fetch(`${up.url}/healthz`).then((response) => response.json())) as { status: string; leader: boolean };
    assert.equal(health.status, 'ok');
    assert.equal(health.leader, true);

    // Seed 001's example body, with the cron changed to every second and a command.
    const created = await up.request('POST', '/api/v1/tasks', {
      name: 'data_sync_task',
      cron_expression: '* * * * * *',
      execution_mode: 'sequential',
      load_balance_strategy: 'round_robin',
      max_retry: 3,
      timeout_seconds: 600,
      parameters: { source: 'database_a', target: 'database_b' },
      command: 'date',
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const taskId = created.body.id;
    const list = async () => (await up.request('GET', `/api/v1/executions?task_id=${taskId}&page_size=1000`)).body.items as Array<Record<string, any>>;
    await eventually(async () => (await list()).filter((execution) => execution.status === 'success').length >= 5, 'five successful runs', 20_000);

    const paused = await up.request('POST', `/api/v1/tasks/${taskId}/pause`);
    assert.equal(paused.body.status, 'paused');
    const pausedAt = Date.now();
    await eventually(async () => (await list()).every((execution) => execution.status !== 'pending' && execution.status !== 'running'), 'runs to finish');
    const countAtPause = (await list()).length;
    // Real processes, real time: the only way to see that no fire comes is to let two pass.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const executions = (await list()).reverse();
    assert.equal(executions.length, countAtPause, 'no new executions after pause');
    assert.ok(executions.every((execution) => Date.parse(execution.scheduled_time) <= pausedAt));

    const instants = executions.map((execution) => Date.parse(execution.scheduled_time));
    assert.equal(new Set(instants).size, instants.length, 'no instant doubled');
    for (let i = 1; i < instants.length; i++) assert.equal(instants[i]! - instants[i - 1]!, 1000, 'no second missed');
    // Sequential: a fire that meets a run still pending or running (a loaded machine) is
    // recorded as skipped, never lost; every other instant ran and succeeded.
    const ran = executions.filter((execution) => execution.status !== 'skipped');
    assert.ok(ran.length >= 5, `${ran.length} runs`);
    assert.ok(
      ran.every((execution) => execution.status === 'success' && execution.exit_code === 0 && execution.trigger === 'schedule'),
      JSON.stringify(ran),
    );
    assert.ok(
      executions.every((execution) => execution.status !== 'skipped' || execution.reason === OVERLAP_SKIPPED_REASON),
      JSON.stringify(executions),
    );

    const { stdout } = await run(CLI, ['execution', 'ls', '--server', up.url, '--data-dir', dataDir, '--task', 'data_sync_task', '--page-size', '100']).catch((error) => {
      throw new Error(`${error.message}\n${error.stderr}`);
    });
    assert.equal(stdout.split('\n').filter((line) => line.includes('data_sync_task') && line.includes('success')).length, ran.length);
    await up.stop();
  });

  it('a server killed in the middle of a run: on restart the run ends as executor_lost and its process is gone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-e2e-'));
    dirs.push(dataDir);
    const up = await startUp(dataDir);
    processes.push(up);
    const created = await up.request('POST', '/api/v1/tasks', { name: 'long', command: 'sleep', args: ['300'] });
    const triggered = await up.request('POST', `/api/v1/tasks/${created.body.id}/trigger`, {});
    const id = triggered.body.id as string;
    await eventually(async () => (await up.request('GET', `/api/v1/executions/${id}`)).body.start_time !== null, 'the run to start');
    const { stdout: before } = await run('pgrep', ['-f', 'sleep 300']).catch(() => ({ stdout: '' }));
    assert.ok(before.trim().length > 0, 'the task process runs');

    await up.stop('SIGKILL');
    const again = await startUp(dataDir);
    processes.push(again);
    const ended = await eventually(async () => {
      const execution = (await again.request('GET', `/api/v1/executions/${id}`)).body;
      return execution.status !== 'running' ? execution : undefined;
    }, 'the interrupted run to end');
    assert.equal(ended.status, 'failed');
    assert.equal(ended.reason, 'executor_lost');
    let left = '';
    await eventually(async () => {
      // -a: with their command lines, so a timeout says which process was still there.
      ({ stdout: left } = await run('pgrep', ['-af', 'sleep 300']).catch(() => ({ stdout: '' })));
      return left.trim() === '';
    }, 'the orphaned task process to be killed').catch((error: Error) => {
      throw new Error(`${error.message}; still running: ${left.trim()}\n${again.output().slice(-2000)}`);
    });
    assert.doesNotMatch(again.output(), /admin token was created/, 'the admin token is printed only on the first start');
    await again.stop();
  });
});
