// -o table|json|yaml on the read commands of workflows, users, tokens, executor tokens and
// the audit log (the task, execution, executor and cluster ones are in cli-scripting).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { ok, runCliAgainst } from './run-cli.ts';

describe('-o on the workflow, user, token and audit commands', () => {
  let t: TestServer;
  let cwd: string;
  const cli = (...args: string[]) => runCliAgainst(t, cwd, args);

  before(async () => {
    t = await startTestServer({ executor: false });
    cwd = mkdtempSync(join(tmpdir(), 'cronfleet-output-'));
    const task = await t.request('POST', '/api/v1/tasks', { name: 'step-task', command: '/bin/true' });
    assert.equal(task.status, 201);
    const workflow = await t.request('POST', '/api/v1/workflows', { name: 'nightly-flow', steps: [{ name: 'only', task_id: task.body.id, depends_on: [] }] });
    assert.equal(workflow.status, 201, JSON.stringify(workflow.body));
    assert.equal((await t.request('POST', '/api/v1/users', { username: 'reader', role: 'viewer' })).status, 201);
    assert.equal((await t.request('POST', '/api/v1/tokens', { name: 'ci', role: 'viewer' })).status, 201);
    assert.equal((await t.request('POST', '/api/v1/executor-tokens', { name: 'fleet' })).status, 201);
  });
  after(async () => {
    await t.close();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('workflow ls and show print JSON, YAML or a table', async () => {
    const listed = JSON.parse(ok(await cli('workflow', 'ls', '-o', 'json'))) as { items: Array<{ name: string }> };
    assert.deepEqual(
      listed.items.map((item) => item.name),
      ['nightly-flow'],
    );
    const yaml = parseYaml(ok(await cli('workflow', 'ls', '-o', 'yaml'))) as { items: Array<{ name: string }> };
    assert.equal(yaml.items[0]!.name, 'nightly-flow');
    assert.match(ok(await cli('workflow', 'ls')), /nightly-flow[\s\S]*1 workflow\(s\)/);
    const shown = parseYaml(ok(await cli('workflow', 'show', 'nightly-flow', '-o', 'yaml'))) as { name: string; steps: unknown[]; runs: unknown[] };
    assert.equal(shown.name, 'nightly-flow');
    assert.equal(shown.steps.length, 1);
    assert.deepEqual(shown.runs, []);
    assert.equal(JSON.parse(ok(await cli('workflow', 'show', 'nightly-flow', '--json'))).name, 'nightly-flow', '--json still works');
  });

  it('user ls, token ls and executor-token ls print JSON or YAML', async () => {
    const users = parseYaml(ok(await cli('user', 'ls', '-o', 'yaml'))) as { items: Array<{ username: string }> };
    assert.ok(users.items.some((user) => user.username === 'reader'));
    const tokens = JSON.parse(ok(await cli('token', 'ls', '-o', 'json'))) as { items: Array<{ name: string }> };
    assert.ok(tokens.items.some((token) => token.name === 'ci'));
    const executorTokens = parseYaml(ok(await cli('executor-token', 'ls', '-o', 'yaml'))) as { items: Array<{ name: string }> };
    assert.ok(executorTokens.items.some((token) => token.name === 'fleet'));
    assert.match(ok(await cli('user', 'ls', '-o', 'table')), /reader/);
  });

  it('audit prints JSON or YAML; -o and --json that disagree are a usage error', async () => {
    const audit = parseYaml(ok(await cli('audit', '--action', 'user.create', '-o', 'yaml'))) as { items: Array<{ action: string }> };
    assert.ok(audit.items.length > 0 && audit.items.every((entry) => entry.action === 'user.create'));
    const contradicted = await cli('audit', '--json', '-o', 'yaml');
    assert.equal(contradicted.code, 2, contradicted.stderr);
    assert.match(contradicted.stderr, /--json and -o yaml contradict each other/);
    const unknown = await cli('user', 'ls', '-o', 'xml');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /xml/);
  });
});
