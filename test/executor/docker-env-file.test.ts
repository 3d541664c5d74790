// Docker tasks pass their env through a private env file, never on the command line
// (where `ps` shows it to every user). A stand-in `docker` CLI first on PATH records
// the argv it got and the env file it was pointed at.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveExecutorPolicy } from '../../src/executor/policy.ts';
import { dockerRunner } from '../../src/executor/runners/docker.ts';
import { defaultRunners } from '../../src/executor/runners/index.ts';
import { AgentHarness, runTask } from './agent-harness.ts';

const FAKE_DOCKER = `#!/bin/sh
previous=
for arg in "$@"; do
  echo "arg:$arg"
  if [ "$previous" = "--env-file" ]; then
    echo "file:$arg"
    echo "mode:$(stat -c %a "$arg")"
    sed 's/^/env:/' "$arg"
  fi
  previous=$arg
done
`;

describe('docker env file', () => {
  let directory: string;
  let savedPath: string | undefined;
  let harness: AgentHarness;
  before(async () => {
    directory = mkdtempSync(join(tmpdir(), 'cronfleet-fake-docker-'));
    writeFileSync(join(directory, 'docker'), FAKE_DOCKER);
    chmodSync(join(directory, 'docker'), 0o755);
    // The agent takes its environment (and so PATH) when it is constructed.
    savedPath = process.env.PATH;
    process.env.PATH = `${directory}:${savedPath}`;
    harness = new AgentHarness({ runners: [...defaultRunners(), dockerRunner], policy: await resolveExecutorPolicy({ maxMemoryMb: 128 }) });
    process.env.PATH = savedPath;
  });
  after(async () => {
    await harness.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('gives docker a 0600 env file with the values, keeps them off the argv and deletes the file after', async () => {
    const task = runTask('docker', { image: 'alpine:3.20', command: ['env'], env: { DB_PASSWORD: 'hunter2 with spaces' } }, { parameters: { region: 'eu-1' } });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'success');
    const lines = harness.output(task.id, 'stdout').trimEnd().split('\n');
    const args = lines.filter((line) => line.startsWith('arg:')).map((line) => line.slice(4));
    assert.ok(!args.some((arg) => arg.includes('hunter2') || arg.includes('eu-1')), `no value on the command line: ${args.join(' ')}`);
    assert.deepEqual(args.slice(-3), ['--', 'alpine:3.20', 'env']);
    assert.ok(args.includes('--env-file'));
    assert.deepEqual(args.slice(args.indexOf('--memory'), args.indexOf('--memory') + 2), ['--memory', '128m']);
    assert.ok(lines.includes('mode:600'));
    assert.ok(lines.includes('env:DB_PASSWORD=hunter2 with spaces'));
    assert.ok(lines.includes('env:CRONFLEET_PARAM_REGION=eu-1'));
    const file = lines.find((line) => line.startsWith('file:'))!.slice(5);
    assert.equal(existsSync(file), false, 'the env file is deleted once docker returns');
  });

  it('fails a task whose env value docker cannot carry, without running docker', async () => {
    const task = runTask('docker', { image: 'alpine:3.20', command: [], env: { CERT: 'line 1\nline 2' } });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    assert.match(update.data.error ?? '', /env variable CERT holds a line break/);
    assert.doesNotMatch(harness.output(task.id), /arg:/);
  });
});
