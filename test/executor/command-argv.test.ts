import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentHarness, commandTask } from './agent-harness.ts';
import { probeTask, type ProbeReport } from './environment-probe.ts';

describe('command runner in argv mode (no shell)', () => {
  let harness: AgentHarness;
  let sandbox: string;
  before(() => {
    harness = new AgentHarness();
    sandbox = mkdtempSync(join(tmpdir(), 'cronfleet-argv-'));
  });
  after(async () => {
    await harness.close();
    rmSync(sandbox, { recursive: true, force: true });
  });

  it('passes each argument to the program verbatim, as one argv entry', async () => {
    const args = ['two words', '"quoted"', "it's", '*', '$HOME', '', '--flag=x', 'line\nbreak'];
    const task = probeTask(args);
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    const report = JSON.parse(harness.output(task.id, 'stdout')) as ProbeReport;
    assert.deepEqual(report.argv, args);
  });

  it('prints shell syntax in an argument literally instead of running it', async () => {
    const marker = join(sandbox, 'argument-ran');
    const task = commandTask({ command: '/bin/echo', args: [`$(touch ${marker})`, '; echo pwned', '`id`'] });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    assert.equal(harness.output(task.id, 'stdout'), `$(touch ${marker}) ; echo pwned \`id\`\n`);
    assert.equal(existsSync(marker), false);
  });

  it('hands a parameter that looks like shell code to the task literally and never executes it', async () => {
    const marker = join(sandbox, 'parameter-ran');
    const victim = join(sandbox, 'victim');
    writeFileSync(victim, 'still here');
    const parameters = { target: `$(touch ${marker}); rm -rf ${victim}`, note: `; touch ${marker}`, tick: `\`touch ${marker}\`` };
    const task = probeTask([], {}, { parameters });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    const report = JSON.parse(harness.output(task.id, 'stdout')) as ProbeReport;
    assert.equal(report.env.CRONFLEET_PARAM_TARGET, parameters.target);
    assert.equal(report.env.CRONFLEET_PARAM_NOTE, parameters.note);
    assert.equal(report.env.CRONFLEET_PARAM_TICK, parameters.tick);
    assert.deepEqual(JSON.parse(report.stdin), parameters);
    assert.deepEqual(JSON.parse(report.env.CRONFLEET_PARAMETERS!), parameters);
    assert.equal(existsSync(marker), false, 'the parameter must not have been run by a shell');
    assert.equal(existsSync(victim), true, 'the parameter must not have deleted anything');
  });
});
