// An executor that is SIGKILLed leaves its runs' process groups running; the next start
// of it (same data dir) kills them, found by the process group and start time it
// recorded, not by their environment: a run that cleared its environment (`env -i`)
// and a grandchild that was forked twice are found too. A pid recorded there that now
// names another process (another start time) is left alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { currentBootId, readProcessStat } from '../../src/executor/process-table.ts';
import { ProcessGroups, processGroupsDirectory } from '../../src/executor/strays.ts';
import { startUp } from '../e2e/process.ts';
import { executorToken, startAgent, startFleetServer } from '../fleet/helpers.ts';
import { removeTestData } from '../helpers/database.ts';
import type { TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { isRunning, killIfRunning, stillRunningAfter } from './process-probe.ts';

/**
 * Clears its environment, then prints "leader <pid>", "orphan <pid>" (a sleep forked by a
 * subshell that exits at once: reparented, still in the group) and "child <pid>".
 */
const strayingTask = {
  type: 'command',
  command: '/usr/bin/env',
  args: ['-i', '/bin/sh', '-c', 'echo "leader $$"; (sleep 301 & echo "orphan $!"); sleep 302 & echo "child $!"; wait'],
  shell: false,
};

const spawned: number[] = [];
const dirs: string[] = [];
after(() => killIfRunning(spawned));
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cronfleet-strays-'));
  dirs.push(dir);
  return dir;
}

/** Triggers the straying task and returns its three pids once it has printed them. */
async function startStrayingRun(request: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>): Promise<number[]> {
  const task = await request('POST', '/api/v1/tasks', { name: `strays-${Date.now()}`, ...strayingTask });
  assert.equal(task.status, 201, JSON.stringify(task.body));
  const triggered = await request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
  assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
  const text = await eventually(async () => {
    const logs = await request('GET', `/api/v1/executions/${triggered.body.id}/logs`);
    const joined = (logs.body.items as Array<{ chunk: string }>).map((item) => item.chunk).join('');
    return /leader \d+/.test(joined) && /orphan \d+/.test(joined) && /child \d+/.test(joined) ? joined : undefined;
  }, 'the task to print its pids');
  const pids = ['leader', 'orphan', 'child'].map((name) => Number(new RegExp(`${name} (\\d+)`).exec(text)![1]));
  spawned.push(...pids);
  return pids;
}

describe('process groups left running by a killed executor', () => {
  let t: TestServer | null = null;
  afterEach(async () => {
    await t?.close();
    t = null;
  });

  it('an agent started again with the same data dir kills them, though they cleared their environment', async () => {
    t = await startFleetServer();
    const server = t;
    const token = await executorToken(server);
    const dataDir = tempDir();
    const first = await startAgent(server, token, 'strays', { args: ['--data-dir', dataDir] });
    const pids = await startStrayingRun((method, path, body) => server.request(method, path, body));
    await first.kill('SIGKILL');
    assert.deepEqual(pids.filter(isRunning), pids, 'the run outlived its agent');
    const second = await startAgent(server, token, 'strays', { args: ['--data-dir', dataDir] });
    try {
      assert.deepEqual(await stillRunningAfter(pids), [], 'nothing of the old run is left');
      assert.match(second.output(), new RegExp(`killed process group ${pids[0]}`));
    } finally {
      await second.kill();
    }
  });

  it('`cronfleet up` started again with the same data dir kills what its local executor left', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-strays-up-'));
    try {
      const first = await startUp(dataDir);
      const pids = await startStrayingRun(first.request);
      await first.stop('SIGKILL');
      assert.deepEqual(pids.filter(isRunning), pids, 'the run outlived cronfleet up');
      const second = await startUp(dataDir);
      try {
        assert.deepEqual(await stillRunningAfter(pids), [], 'nothing of the old run is left');
        assert.match(second.output(), new RegExp(`killed process group ${pids[0]}`));
      } finally {
        await second.stop();
      }
    } finally {
      await removeTestData(dataDir);
    }
  });
});

describe('the process-group record', () => {
  /** A `sleep` in a process group of its own, as a run's leader is. */
  function groupLeader(): { pid: number; startTicks: number } {
    const child = spawn('/bin/sleep', ['300'], { detached: true, stdio: 'ignore' });
    child.unref();
    spawned.push(child.pid!);
    return { pid: child.pid!, startTicks: readProcessStat(child.pid!)!.startTicks };
  }

  /** A state file as a dead executor (owner pid that no process has) would have left it. */
  function leftBehind(directory: string, groups: Array<{ processGroupId: number; startTicks: number }>, owner = { pid: 4_194_304 + 1, startTicks: 1 }): void {
    mkdirSync(directory, { recursive: true });
    const state = { version: 1, bootId: currentBootId(), owner, groups: groups.map((group, index) => ({ executionId: `execution-${index}`, ...group })) };
    writeFileSync(join(directory, `${owner.pid}.json`), JSON.stringify(state));
  }

  it('kills a recorded group whose leader has the recorded start time and leaves a reused pid alone', async () => {
    const directory = processGroupsDirectory(tempDir(), 'host:agent');
    const stray = groupLeader();
    const reused = groupLeader(); // recorded with another start time: the pid now names another process
    leftBehind(directory, [
      { processGroupId: stray.pid, startTicks: stray.startTicks },
      { processGroupId: reused.pid, startTicks: reused.startTicks - 1 },
    ]);
    const { groups, reaped } = await ProcessGroups.open(directory, { killGraceMs: 1000 });
    assert.deepEqual(reaped.map((group) => group.processGroupId), [stray.pid]);
    assert.deepEqual(await stillRunningAfter([stray.pid]), []);
    assert.equal(isRunning(reused.pid), true, 'a process with another start time is not the one recorded');
    assert.deepEqual(readdirSync(directory), [`${process.pid}.json`], 'the dead executor’s record is gone; ours is there');
    assert.deepEqual(groups?.recorded, []);
    killIfRunning([reused.pid]);
  });

  it('leaves the groups of an executor that still runs alone', async () => {
    const directory = processGroupsDirectory(tempDir(), 'host:agent');
    const running = groupLeader();
    const liveOwner = groupLeader(); // stands for another executor process using the same directory
    leftBehind(directory, [{ processGroupId: running.pid, startTicks: running.startTicks }], liveOwner);
    const { reaped } = await ProcessGroups.open(directory, { killGraceMs: 1000 });
    assert.deepEqual(reaped, []);
    assert.equal(isRunning(running.pid), true);
    killIfRunning([running.pid, liveOwner.pid]);
  });

  it('records a group while its run goes and forgets it when the run ends', async () => {
    const directory = processGroupsDirectory(tempDir(), 'host:agent');
    const { groups } = await ProcessGroups.open(directory);
    const leader = groupLeader();
    const forget = groups!.record('execution-1', leader.pid);
    assert.deepEqual(groups!.recorded, [{ executionId: 'execution-1', processGroupId: leader.pid, startTicks: leader.startTicks }]);
    // What a crash would leave: the file on disk names the group.
    const onDisk = () => JSON.parse(readFileSync(join(directory, `${process.pid}.json`), 'utf8')).groups;
    assert.deepEqual(onDisk(), [{ executionId: 'execution-1', processGroupId: leader.pid, startTicks: leader.startTicks }]);
    forget();
    assert.deepEqual(groups!.recorded, []);
    assert.deepEqual(onDisk(), []);
    killIfRunning([leader.pid]);
  });
});
