// An executor that is SIGKILLed leaves its runs' process groups running; the next start
// of it (same data dir) kills them, found by the process group and start time it
// recorded, not by their environment: a run that cleared its environment (`env -i`)
// and a grandchild that was forked twice are found too. A pid recorded there that now
// names another process (another start time) is left alone.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
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

/** Processes a test started, with their start times: only those very processes are killed when it ends. */
const spawned: Array<{ pid: number; startTicks: number }> = [];
function started(...pids: number[]): void {
  for (const pid of pids) {
    const stat = readProcessStat(pid);
    if (stat) spawned.push({ pid, startTicks: stat.startTicks });
  }
}
/** Kills what is left of `pids` (all a test started when none given), never a process that reused a pid. */
function cleanUp(pids?: number[]): void {
  const targets = spawned.filter((entry) => pids === undefined || pids.includes(entry.pid));
  killIfRunning(targets.filter(({ pid, startTicks }) => readProcessStat(pid)?.startTicks === startTicks).map(({ pid }) => pid));
}
const dirs: string[] = [];
after(() => cleanUp());
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
  const text = await eventually(
    async () => {
      const logs = await request('GET', `/api/v1/executions/${triggered.body.id}/logs`);
      const joined = (logs.body.items as Array<{ chunk: string }>).map((item) => item.chunk).join('');
      return /leader \d+/.test(joined) && /orphan \d+/.test(joined) && /child \d+/.test(joined) ? joined : undefined;
    },
    'the task to print its pids',
    60_000,
  ); // the agent connects and runs it: slow at a load of 18 (CI, 3 December)
  const pids = ['leader', 'orphan', 'child'].map((name) => Number(new RegExp(`${name} (\\d+)`).exec(text)![1]));
  started(...pids);
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

  it('an agent started again kills a background process that a run which already ended left in its group', async () => {
    t = await startFleetServer();
    const server = t;
    const token = await executorToken(server);
    const dataDir = tempDir();
    const first = await startAgent(server, token, 'strays-ended', { args: ['--data-dir', dataDir] });
    const task = await server.request('POST', '/api/v1/tasks', { name: 'leaves-a-daemon', type: 'command', command: '/usr/bin/env', args: ['-i', '/bin/sh', '-c', '(sleep 303 & echo "orphan $!")'] });
    const triggered = await server.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    const execution = await eventually(async () => {
      const body = (await server.request('GET', `/api/v1/executions/${triggered.body.id}`)).body;
      return body.status === 'success' ? body : undefined;
    }, 'the run to succeed');
    assert.equal(execution.status, 'success');
    const logs = await server.request('GET', `/api/v1/executions/${triggered.body.id}/logs`);
    const orphan = Number(/orphan (\d+)/.exec((logs.body.items as Array<{ chunk: string }>).map((item) => item.chunk).join(''))![1]);
    started(orphan);
    await first.kill('SIGKILL');
    assert.equal(isRunning(orphan), true, 'the background process outlived its run and its agent');
    const second = await startAgent(server, token, 'strays-ended', { args: ['--data-dir', dataDir] });
    try {
      assert.deepEqual(await stillRunningAfter([orphan]), []);
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
  function groupLeader(): { pid: number; startTicks: number; child: ChildProcess } {
    const child = spawn('/bin/sleep', ['300'], { detached: true, stdio: 'ignore' });
    child.unref();
    started(child.pid!);
    return { pid: child.pid!, startTicks: readProcessStat(child.pid!)!.startTicks, child };
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
    assert.deepEqual(
      reaped.map((group) => group.processGroupId),
      [stray.pid],
    );
    assert.deepEqual(await stillRunningAfter([stray.pid]), []);
    assert.equal(isRunning(reused.pid), true, 'a process with another start time is not the one recorded');
    assert.deepEqual(readdirSync(directory), [`${process.pid}.json`], 'the dead executor’s record is gone; ours is there');
    assert.deepEqual(groups?.recorded, []);
    cleanUp([reused.pid]);
  });

  it('removes the container of a docker run a dead executor left, by its name', async () => {
    const directory = processGroupsDirectory(tempDir(), 'host:agent');
    // A docker CLI stand-in that writes down what it was asked to do.
    const bin = tempDir();
    const asked = join(bin, 'asked');
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho "$@" >> '${asked}'\n`, { mode: 0o755 });
    const cli = groupLeader(); // stands for the `docker run` CLI of the run
    const state = {
      version: 1,
      bootId: currentBootId(),
      owner: { pid: 4_194_305, startTicks: 1 },
      groups: [{ executionId: 'execution-7', processGroupId: cli.pid, startTicks: cli.startTicks, container: 'cronfleet-execution-7' }],
    };
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, '4194305.json'), JSON.stringify(state));
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      await ProcessGroups.open(directory, { killGraceMs: 1000 });
    } finally {
      process.env.PATH = path;
    }
    assert.deepEqual(await stillRunningAfter([cli.pid]), []);
    assert.equal(readFileSync(asked, 'utf8'), 'rm --force cronfleet-execution-7\n');
  });

  it('leaves the groups of an executor that still runs alone', async () => {
    const directory = processGroupsDirectory(tempDir(), 'host:agent');
    const running = groupLeader();
    const liveOwner = groupLeader(); // stands for another executor process using the same directory
    leftBehind(directory, [{ processGroupId: running.pid, startTicks: running.startTicks }], { pid: liveOwner.pid, startTicks: liveOwner.startTicks });
    const { reaped } = await ProcessGroups.open(directory, { killGraceMs: 1000 });
    assert.deepEqual(reaped, []);
    assert.equal(isRunning(running.pid), true);
    cleanUp([running.pid, liveOwner.pid]);
  });

  it('records a group while its run goes, keeps it while a process is left in it, and forgets it once empty', async () => {
    const directory = processGroupsDirectory(tempDir(), 'host:agent');
    const { groups } = await ProcessGroups.open(directory);
    const leader = groupLeader();
    const ended = groups!.record('execution-1', leader.pid);
    const onDisk = () => JSON.parse(readFileSync(join(directory, `${process.pid}.json`), 'utf8')).groups;
    const record = { executionId: 'execution-1', processGroupId: leader.pid, startTicks: leader.startTicks };
    assert.deepEqual(onDisk(), [record], 'what a crash would leave names the group');
    ended(); // the run is over, but its group still has a process (here: the leader itself)
    assert.deepEqual(onDisk(), [record]);
    process.kill(leader.pid, 'SIGKILL');
    await once(leader.child, 'exit');
    const next = groupLeader();
    groups!.record('execution-2', next.pid)(); // any later write drops the emptied group
    assert.deepEqual(
      onDisk().map((group: { executionId: string }) => group.executionId),
      ['execution-2'],
    );
    cleanUp([next.pid]);
  });
});
