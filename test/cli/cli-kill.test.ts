// `cronfleet execution stop [--force]` and `cronfleet task stop [--force]` against a real
// server whose local executor runs real process groups that ignore SIGTERM. The kill
// grace is far longer than any wait: only a forced stop can end them here.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isRunning, killIfRunning, parsePids, stillRunningAfter } from '../executor/process-probe.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { watchExecutions, type ExecutionWatch } from '../api/execution-watch.ts';
import { runCli, type CliResult } from './run-cli.ts';

const TERM_IGNORING = `trap 'echo term' TERM; (trap '' TERM; exec sleep 300) & echo "$$ $!"; while kill -0 $! 2>/dev/null; do wait $!; done`;

describe('cronfleet stop --force', () => {
  let t: TestServer;
  let watch: ExecutionWatch;
  let cwd: string;
  const spawned: number[] = [];
  const cli = (args: string[]) => runCli([...args, '--server', t.url, '--token', t.token], { cwd });
  const ok = (result: CliResult) => {
    assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    return result.stdout;
  };

  before(async () => {
    t = await startTestServer({ killGraceMs: 600_000 });
    watch = watchExecutions(t);
    cwd = mkdtempSync(join(tmpdir(), 'cronfleet-cli-kill-'));
    assert.equal((await t.request('POST', '/api/v1/tasks', { name: 'stubborn', command: TERM_IGNORING, shell: true })).status, 201);
  });
  after(async () => {
    watch.stop();
    await t.close();
    killIfRunning(spawned);
    rmSync(cwd, { recursive: true, force: true });
  });

  const output = async (id: string) => ((await t.request('GET', `/api/v1/executions/${id}/logs`)).body.items as Array<{ chunk: string }>).map((item) => item.chunk).join('');

  async function startRun(): Promise<{ id: string; pids: number[] }> {
    const id: string = JSON.parse(ok(await cli(['task', 'trigger', 'stubborn']))).id;
    const pids = await eventually(async () => {
      const found = parsePids((await output(id)).split('\n')[0] ?? '');
      return found.length === 2 ? found : undefined;
    }, `the pids of ${id}`);
    spawned.push(...pids);
    return { id, pids };
  }

  it('execution stop sends SIGTERM, which the group survives; --force then kills it at once', async () => {
    const { id, pids } = await startRun();
    assert.equal(ok(await cli(['execution', 'stop', id])), `${id}: stop requested (running)\n`);
    await eventually(async () => (await output(id)).includes('term'), 'the SIGTERM to arrive');
    assert.equal((await t.request('GET', `/api/v1/executions/${id}`)).body.status, 'running');
    assert.deepEqual(pids.filter(isRunning), pids);

    assert.equal(ok(await cli(['execution', 'stop', id, '--force'])), `${id}: kill requested (running)\n`);
    assert.equal(await watch.finished(id), 'cancelled');
    assert.equal((await t.request('GET', `/api/v1/executions/${id}`)).body.error, 'killed on request');
    assert.deepEqual(await stillRunningAfter(pids), []);
  });

  it('task stop --force kills every running execution of the task named, and lists them', async () => {
    const runs = [await startRun(), await startRun()];
    const printed = ok(await cli(['task', 'stop', 'stubborn', '--force']));
    assert.equal(printed, `stubborn: kill requested for 2 execution(s)\n${runs.map((run) => `${run.id}\n`).join('')}`);
    for (const run of runs) {
      assert.equal(await watch.finished(run.id), 'cancelled');
      assert.deepEqual(await stillRunningAfter(run.pids), []);
    }
    assert.equal(ok(await cli(['task', 'stop', 'stubborn'])), 'stubborn: stop requested for 0 execution(s)\n');
  });

  it('task stop of an unknown task exits 1 with the server message', async () => {
    const result = await cli(['task', 'stop', 'no-such-task']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /task_not_found|no task/);
  });
});
