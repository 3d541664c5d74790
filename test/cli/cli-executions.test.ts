// `cronfleet execution …` against a real server with a local executor running real processes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { watchExecutions, type ExecutionWatch } from '../api/execution-watch.ts';
import { runCli, type CliOptions, type CliResult } from './run-cli.ts';

describe('cronfleet execution', () => {
  let t: TestServer;
  let watch: ExecutionWatch;
  let cwd: string;
  const greeterRuns: string[] = [];
  const cli = (args: string[], options: Partial<CliOptions> = {}) => runCli([...args, '--server', t.url, '--token', t.token], { cwd, ...options });
  const ok = (result: CliResult) => {
    assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    return result.stdout;
  };

  async function run(name: string, command: string): Promise<string> {
    const existing = (await t.request('GET', `/api/v1/tasks?search=${name}`)).body.items.find((task: { name: string }) => task.name === name);
    const taskId = existing?.id ?? (await t.request('POST', '/api/v1/tasks', { name, command, shell: true })).body.id;
    const triggered = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, {});
    assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
    return triggered.body.id;
  }

  before(async () => {
    t = await startTestServer();
    watch = watchExecutions(t);
    cwd = mkdtempSync(join(tmpdir(), 'cronfleet-cli-'));
    for (let i = 0; i < 2; i++) {
      greeterRuns.push(await run('greeter', 'echo hello; echo careful >&2'));
      assert.equal(await watch.finished(greeterRuns[i]!), 'success');
    }
    assert.equal(await watch.finished(await run('bystander', 'exit 4')), 'failed');
  });
  after(async () => {
    watch.stop();
    await t.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('lists the executions of one task by its name', async () => {
    const table = ok(await cli(['execution', 'ls', '--task', 'greeter']));
    assert.match(table, /^ID\s+TASK_NAME\s+TRIGGER/m);
    for (const id of greeterRuns) assert.ok(table.includes(id), `lists ${id}`);
    assert.ok(!table.includes('bystander'));
    assert.match(table, /^2 execution\(s\), page 1$/m);
  });

  it('lists executions as JSON, filtered by status', async () => {
    const page = JSON.parse(ok(await cli(['execution', 'ls', '--status', 'failed', '--json'])));
    assert.equal(page.total, 1);
    assert.equal(page.items[0].task_name, 'bystander');
    assert.equal(page.items[0].exit_code, 4);
  });

  it('gets one execution as JSON', async () => {
    const printed = JSON.parse(ok(await cli(['execution', 'get', greeterRuns[0]!])));
    assert.deepEqual(printed, (await t.request('GET', `/api/v1/executions/${greeterRuns[0]}`)).body);
  });

  it("prints an execution's output, stdout to stdout and stderr to stderr", async () => {
    const result = await cli(['execution', 'logs', greeterRuns[0]!]);
    assert.equal(ok(result), 'hello\n');
    assert.equal(result.stderr, 'careful\n');
  });

  it('follows a running execution with -f until it ends, then names its status', async () => {
    const gate = join(cwd, 'release');
    const id = await run('gated', `echo first; while [ ! -e '${gate}' ]; do sleep 0.02; done; echo second`);
    await watch.started(id);
    let released = false;
    const result = await cli(['execution', 'logs', '-f', id], {
      onStdout: (text) => {
        // The CLI printed live output while the process still waits: let it finish.
        if (!released && text.includes('first')) {
          released = true;
          writeFileSync(gate, '');
        }
      },
    });
    assert.ok(released, 'the first line arrived while the execution was running');
    assert.equal(ok(result), 'first\nsecond\n');
    assert.equal(result.stderr, '[execution success]\n');
  });

  it('stops a running execution', async () => {
    const id = await run('long-sleep', 'sleep 30');
    await watch.started(id);
    assert.equal(ok(await cli(['execution', 'stop', id])), `${id}: stop requested (running)\n`);
    assert.equal(await watch.finished(id), 'cancelled');
  });

  it('exits 1 with the server message for an unknown execution', async () => {
    const result = await cli(['execution', 'get', 'no-such-execution']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /execution_not_found, HTTP 404/);
  });
});
