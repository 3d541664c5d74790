// The docker runner without a docker engine: the argv it builds, the availability
// probe, and the clear failure of a docker task sent to an executor without an engine.
// DOCKER_HOST points at a socket nobody listens on, so these hold on a machine that
// does run docker too.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dockerEnvFile, dockerRunArgs, dockerRunner } from '../../src/executor/runners/docker.ts';
import { dockerAvailable } from '../../src/executor/runners/docker-engine.ts';
import { availableRunners, defaultRunners } from '../../src/executor/runners/index.ts';
import { AgentHarness, runTask } from './agent-harness.ts';

const NO_ENGINE = 'unix:///nonexistent/cronfleet-test-docker.sock';

describe('docker runner', () => {
  let harness: AgentHarness;
  let savedDockerHost: string | undefined;
  before(() => {
    // The agent hands its environment to the docker CLI; it reads it when constructed.
    savedDockerHost = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = NO_ENGINE;
    harness = new AgentHarness({ runners: [...defaultRunners(), dockerRunner] });
  });
  after(async () => {
    await harness.close();
    if (savedDockerHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedDockerHost;
  });

  it('builds docker run with a named, removed container, the env file, stdin, and the image after --', () => {
    const task = runTask('docker', {}, { id: 'exec-1', task_id: 'task-9', task_name: 'backup' });
    const args = dockerRunArgs(task, { image: 'alpine:3.20', command: ['sh', '-c', 'echo "$MODE"'], env: { MODE: 'full' } }, { envFile: '/tmp/x/env' });
    assert.deepEqual(args, ['run', '--rm', '-i', '--name', 'cronfleet-exec-1', '--env-file', '/tmp/x/env', '--', 'alpine:3.20', 'sh', '-c', 'echo "$MODE"']);
  });

  it("puts the task env and the CRONFLEET_* variables in the env file, not the executor's own environment", () => {
    const task = runTask('docker', {}, { id: 'exec-1', task_id: 'task-9', task_name: 'backup', parameters: { bucket: 'logs', 'not a name': 1 } });
    const file = dockerEnvFile(task, { image: 'alpine:3.20', command: [], env: { MODE: 'full' } });
    assert.ok('text' in file);
    const env = new Map(
      file.text
        .trimEnd()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const),
    );
    assert.equal(env.get('MODE'), 'full');
    assert.equal(env.get('CRONFLEET_EXECUTION_ID'), 'exec-1');
    assert.equal(env.get('CRONFLEET_TASK_ID'), 'task-9');
    assert.equal(env.get('CRONFLEET_TASK_NAME'), 'backup');
    assert.equal(env.get('CRONFLEET_PARAMETERS'), JSON.stringify({ bucket: 'logs', 'not a name': 1 }));
    assert.equal(env.get('CRONFLEET_PARAM_BUCKET'), 'logs');
    assert.ok(!env.has('PATH'), "the executor's own environment stays outside the container");
  });

  it('refuses an env value with a line break, which an env file cannot carry', () => {
    const file = dockerEnvFile(runTask('docker', {}), { image: 'alpine', command: [], env: { KEY: 'line 1\nline 2' } });
    assert.deepEqual(file, { error: "env variable KEY holds a line break, which docker's --env-file cannot pass; encode it (e.g. base64)" });
  });

  it('adds a memory limit to the container when the executor has one', () => {
    const args = dockerRunArgs(runTask('docker', {}), { image: 'busybox', command: [], env: {} }, { envFile: '/e', memoryMb: 256 });
    assert.deepEqual(args.slice(7, 11), ['--memory', '256m', '--memory-swap', '256m']);
  });

  it("runs the image's default command when the task gives none", () => {
    const args = dockerRunArgs(runTask('docker', {}), { image: 'busybox', command: [], env: {} }, { envFile: '/e' });
    assert.deepEqual(args.slice(-2), ['--', 'busybox']);
  });

  it('reports docker unavailable when no engine answers', async () => {
    assert.equal(await dockerAvailable({ env: { ...process.env, DOCKER_HOST: NO_ENGINE } }), false);
  });

  it('leaves docker out of the available runners when no engine answers', async () => {
    const types = (await availableRunners()).map((runner) => runner.type);
    assert.deepEqual(types, ['command', 'script', 'http']);
  });

  it('fails a docker task with a clear error when no engine answers', async () => {
    const task = runTask('docker', { image: 'alpine:3.20', command: ['true'], env: {} });
    const update = await harness.run(task);
    assert.equal(update.data.status, 'failed');
    // Without the docker CLI at all, the error says that instead.
    const clear = /^docker could not run image 'alpine:3\.20' \(exit code 125\): Cannot connect to the Docker daemon|^the docker CLI could not be started/;
    assert.match(update.data.error ?? '', clear);
    assert.match(harness.output(task.id, 'system'), /docker could not run image|docker CLI could not be started/);
  });
});
