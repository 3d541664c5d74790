import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentHarness } from './agent-harness.ts';
import { probeTask, type ProbeReport } from './environment-probe.ts';

describe("what a task's process receives", () => {
  let harness: AgentHarness;
  const ownSettings = { CRONFLEET_ADMIN_TOKEN: 'admin-secret-token', CRONFLEET_DATABASE_URL: 'postgres://user:password@db/cronfleet', PROBE_INHERITED: 'from-executor' };

  before(() => {
    // The agent snapshots the executor's environment when it is built.
    const saved = Object.fromEntries(Object.keys(ownSettings).map((key) => [key, process.env[key]]));
    Object.assign(process.env, ownSettings);
    try {
      harness = new AgentHarness();
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
  after(() => harness.close());

  async function probe(...args: Parameters<typeof probeTask>): Promise<ProbeReport> {
    const task = probeTask(...args);
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success', update.data.error ?? '');
    return JSON.parse(harness.output(task.id, 'stdout')) as ProbeReport;
  }

  it('receives the parameters as CRONFLEET_PARAMETERS JSON, as CRONFLEET_PARAM_<KEY> variables and as JSON on stdin', async () => {
    const parameters = { region: 'eu-west', batch_size: 50, dry_run: true, nested: { a: [1, 2] }, 'not-a-name': 'only in JSON', unicode: 'größe ✓' };
    const report = await probe([], {}, { parameters });
    assert.deepEqual(JSON.parse(report.env.CRONFLEET_PARAMETERS!), parameters);
    assert.deepEqual(JSON.parse(report.stdin), parameters);
    assert.equal(report.env.CRONFLEET_PARAM_REGION, 'eu-west');
    assert.equal(report.env.CRONFLEET_PARAM_BATCH_SIZE, '50');
    assert.equal(report.env.CRONFLEET_PARAM_DRY_RUN, 'true');
    assert.equal(report.env.CRONFLEET_PARAM_NESTED, '{"a":[1,2]}');
    assert.equal(report.env.CRONFLEET_PARAM_UNICODE, 'größe ✓');
    const paramKeys = Object.keys(report.env)
      .filter((key) => key.startsWith('CRONFLEET_PARAM_'))
      .sort();
    assert.deepEqual(paramKeys, ['CRONFLEET_PARAM_BATCH_SIZE', 'CRONFLEET_PARAM_DRY_RUN', 'CRONFLEET_PARAM_NESTED', 'CRONFLEET_PARAM_REGION', 'CRONFLEET_PARAM_UNICODE']);
  });

  it('receives empty JSON objects when the execution has no parameters', async () => {
    const report = await probe([]);
    assert.equal(report.env.CRONFLEET_PARAMETERS, '{}');
    assert.equal(report.stdin, '{}');
  });

  it('knows which execution it is through CRONFLEET_EXECUTION_ID and its siblings', async () => {
    const report = await probe([], {}, { id: 'execution-identity', attempt: 3, task_id: 'task-42', task_name: 'nightly backup', scheduled_time: '2026-03-01T02:00:00.000Z', trigger: 'manual' });
    assert.equal(report.env.CRONFLEET_EXECUTION_ID, 'execution-identity');
    assert.equal(report.env.CRONFLEET_TASK_ID, 'task-42');
    assert.equal(report.env.CRONFLEET_TASK_NAME, 'nightly backup');
    assert.equal(report.env.CRONFLEET_ATTEMPT, '3');
    assert.equal(report.env.CRONFLEET_SCHEDULED_TIME, '2026-03-01T02:00:00.000Z');
    assert.equal(report.env.CRONFLEET_TRIGGER, 'manual');
  });

  it("sets the task's env variables and runs in the task's cwd", async () => {
    const directory = mkdtempSync(join(tmpdir(), 'cronfleet-cwd-'));
    try {
      const report = await probe([], { env: { PROBE_GREETING: 'hello world', PROBE_EMPTY: '' }, cwd: directory });
      assert.equal(report.env.PROBE_GREETING, 'hello world');
      assert.equal(report.env.PROBE_EMPTY, '');
      assert.equal(realpathSync(report.cwd), realpathSync(directory));
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("inherits the executor's environment but none of its CRONFLEET_* settings or credentials", async () => {
    const report = await probe([]);
    assert.equal(report.env.PROBE_INHERITED, 'from-executor');
    assert.equal(report.env.CRONFLEET_ADMIN_TOKEN, undefined);
    assert.equal(report.env.CRONFLEET_DATABASE_URL, undefined);
    const values = Object.values(report.env).join('\n');
    assert.ok(!values.includes(ownSettings.CRONFLEET_ADMIN_TOKEN), 'the admin token leaked into the task');
    assert.ok(!values.includes('password'), 'the database URL leaked into the task');
  });
});
