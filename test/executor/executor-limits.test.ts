// The executor's ceilings: --max-timeout clamps a task's timeout, --max-memory limits
// the address space of command and script processes, --max-output bounds kept output.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { outputLimitsFor } from '../../src/executor/output.ts';
import { resolveExecutorPolicy } from '../../src/executor/policy.ts';
import { AgentHarness, runTask, shTask } from './agent-harness.ts';

describe('timeout ceiling', () => {
  let harness: AgentHarness;
  before(async () => {
    harness = new AgentHarness({ policy: await resolveExecutorPolicy({ maxTimeoutSeconds: 1 }) });
  });
  after(() => harness.close());

  it('clamps a longer task timeout to the ceiling and says so in the output', async () => {
    const task = shTask('sleep 30', { timeout: 600 });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'timeout');
    assert.equal(update.data.error, 'timed out after 1s');
    assert.match(harness.output(task.id, 'system'), /\[cronfleet: timeout 600s clamped to this executor's ceiling of 1s\]/);
  });

  it('gives the ceiling to a task without a timeout', async () => {
    const task = shTask('sleep 30', { timeout: 0 });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'timeout');
    assert.match(harness.output(task.id, 'system'), /timeout none clamped to this executor's ceiling of 1s/);
  });

  it('leaves a timeout under the ceiling alone', async () => {
    const quick = new AgentHarness({ policy: await resolveExecutorPolicy({ maxTimeoutSeconds: 3600 }) });
    try {
      const task = shTask('echo done', { timeout: 60 });
      assert.equal((await quick.run(task)).data.status, 'success');
      assert.doesNotMatch(quick.output(task.id), /clamped/);
    } finally {
      await quick.close();
    }
  });
});

describe('memory limit', () => {
  let harness: AgentHarness;
  before(async () => {
    harness = new AgentHarness({ policy: await resolveExecutorPolicy({ maxMemoryMb: 64 }) });
  });
  after(() => harness.close());

  it('sets the address-space limit of a command process', async () => {
    const task = shTask('ulimit -v');
    assert.equal((await harness.run(task)).data.status, 'success');
    assert.equal(harness.output(task.id, 'stdout'), `${64 * 1024}\n`);
  });

  it('makes a process that allocates past the limit fail, while it runs without one', async () => {
    const allocate = `awk 'BEGIN { s = sprintf("%200000000s", ""); print length(s) }'`;
    const limited = shTask(allocate);
    const update = await harness.run(limited);
    assert.equal(update.data.status, 'failed');
    const free = new AgentHarness();
    try {
      const unlimited = shTask(allocate);
      assert.equal((await free.run(unlimited)).data.status, 'success');
      assert.equal(free.output(unlimited.id, 'stdout'), '200000000\n');
    } finally {
      await free.close();
    }
  });

  it('limits script interpreters too, keeping their output and exit code', async () => {
    const task = runTask('script', { interpreter: 'sh', body: 'ulimit -v; exit 3' });
    const update = await harness.run(task);
    assert.equal(update.data.exit_code, 3);
    assert.equal(harness.output(task.id, 'stdout'), `${64 * 1024}\n`);
  });

  it('says how the limit is applied when the executor starts', async () => {
    const policy = await resolveExecutorPolicy({ maxMemoryMb: 64 });
    assert.deepEqual(policy.memoryLimit, { megabytes: 64, mechanism: 'ulimit' });
    assert.match(policy.notes.join('\n'), /memory limit 64 MB per process via ulimit -v/);
  });
});

describe('output limit', () => {
  it('keeps at most --max-output bytes: two thirds from the start, one third from the end', () => {
    assert.deepEqual(outputLimitsFor(3000), { headBytes: 2000, tailBytes: 1000, flushMs: 200 });
  });

  it('omits the middle of a long output', async () => {
    const harness = new AgentHarness({ outputLimits: { ...outputLimitsFor(3000), flushMs: 20 } });
    try {
      const task = shTask("printf 'H%.0s' $(seq 2500); printf 'M%.0s' $(seq 5000); printf 'T%.0s' $(seq 1000)");
      assert.equal((await harness.run(task)).data.status, 'success');
      const stdout = harness.output(task.id, 'stdout');
      assert.equal(stdout, `${'H'.repeat(2000)}${'T'.repeat(1000)}`);
      assert.match(harness.output(task.id, 'system'), /5500 bytes of output omitted/);
    } finally {
      await harness.close();
    }
  });
});
