import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AgentHarness, commandTask } from './agent-harness.ts';

describe('command runner in shell mode (shell: true)', () => {
  let harness: AgentHarness;
  let sandbox: string;
  before(() => {
    harness = new AgentHarness();
    sandbox = mkdtempSync(join(tmpdir(), 'cronfleet-shell-'));
  });
  after(async () => {
    await harness.close();
    rmSync(sandbox, { recursive: true, force: true });
  });

  it('runs the command string with /bin/sh, so pipes work', async () => {
    const task = commandTask({ command: "printf 'pear\\napple\\nfig\\n' | sort | head -n 2", shell: true });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    assert.equal(harness.output(task.id, 'stdout'), 'apple\nfig\n');
  });

  it('passes args to the command string as $1, $2, … without re-parsing them', async () => {
    const marker = join(sandbox, 'argument-ran');
    const task = commandTask({ command: 'printf "[%s]\\n" "$1" "$2"; echo "count=$#"', args: ['two words', `$(touch ${marker})`], shell: true });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    assert.equal(harness.output(task.id, 'stdout'), `[two words]\n[$(touch ${marker})]\ncount=2\n`);
    assert.equal(existsSync(marker), false);
  });

  it('keeps parameters out of the command string: they are only in the environment', async () => {
    const marker = join(sandbox, 'parameter-ran');
    const task = commandTask({ command: 'printf "%s" "$CRONFLEET_PARAM_NAME"', shell: true }, { parameters: { name: `$(touch ${marker})` } });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    assert.equal(harness.output(task.id, 'stdout'), `$(touch ${marker})`);
    assert.equal(existsSync(marker), false);
  });
});
