// /metrics as Prometheus and its users read it (issue 16): promtool finds no problem, the
// dead-man gauge, run durations and schedule lateness are there with the values of the
// executions that ran, the executors are counted cluster-wide, and metrics_task_labels
// turns the per-task series off. The shipped alert rules pass `promtool check rules` and
// their unit tests, and every metric the Grafana dashboard queries is one we export.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { watchExecutions } from '../api/execution-watch.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const deploy = join(import.meta.dirname, '..', '..', 'deploy');

/** `promtool check metrics` on an exposition: its complaints, one per line (none: ''). */
function promtoolComplaints(exposition: string): string {
  const checked = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  assert.equal(checked.error, undefined, 'promtool runs (Debian package prometheus; .ci/run installs it)');
  return `${checked.stdout}${checked.stderr}`.trim();
}

/** The value of one series, by its exact name and labels as exposed. */
function sample(exposition: string, series: string): number | null {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

async function scrape(t: TestServer): Promise<string> {
  const response = await t.request<string>('GET', '/metrics');
  assert.equal(response.status, 200);
  return response.body;
}

describe('metrics', () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t?.close();
  });

  async function run(name: string, command: string): Promise<{ id: string; status: string }> {
    const watch = watchExecutions(t);
    try {
      const task = await t.request('POST', '/api/v1/tasks', { name, command });
      assert.equal(task.status, 201, JSON.stringify(task.body));
      const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
      assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
      return { id: triggered.body.id, status: await watch.finished(triggered.body.id) };
    } finally {
      watch.stop();
    }
  }

  it('exposes what promtool accepts, with the dead-man gauge, durations, lateness and executors', async () => {
    const ok = await run('nightly_report', 'true');
    assert.equal(ok.status, 'success');
    const failed = await run('flaky_import', 'exit 3');
    assert.equal(failed.status, 'failed');
    const exposition = await scrape(t);
    assert.equal(promtoolComplaints(exposition), '');

    const execution = (await t.request('GET', `/api/v1/executions/${ok.id}`)).body;
    assert.equal(sample(exposition, 'cronfleet_task_last_success_timestamp_seconds{task="nightly_report"}'), Date.parse(execution.end_time) / 1000);
    assert.equal(sample(exposition, 'cronfleet_task_last_success_timestamp_seconds{task="flaky_import"}'), null, 'never succeeded: no series');
    assert.equal(sample(exposition, 'cronfleet_execution_duration_seconds_count{task="nightly_report",status="success"}'), 1);
    assert.equal(sample(exposition, 'cronfleet_execution_duration_seconds_count{task="flaky_import",status="failed"}'), 1);
    const ran = (Date.parse(execution.end_time) - Date.parse(execution.start_time)) / 1000;
    assert.equal(sample(exposition, 'cronfleet_execution_duration_seconds_sum{task="nightly_report",status="success"}'), ran);
    assert.equal(sample(exposition, 'cronfleet_schedule_lateness_seconds_count'), 2, 'each first attempt that started');
    assert.equal(sample(exposition, 'cronfleet_executors{status="online"}'), 1, 'the local executor');
    assert.equal(sample(exposition, 'cronfleet_executors{status="offline"}'), 0);
    assert.equal(sample(exposition, 'cronfleet_executions_finished_total{status="failed"}'), 1);
    assert.equal(sample(exposition, 'cronfleet_leader'), 1);
  });

  it('leaves a deleted task out of the dead-man gauge', async () => {
    await run('short_lived', 'true');
    const task = (await t.request('GET', '/api/v1/tasks?search=short_lived')).body.items[0];
    assert.ok((await t.server.store.tasks.lastSuccesses()).some((success) => success.taskName === 'short_lived'));
    assert.equal((await t.request('DELETE', `/api/v1/tasks/${task.id}`)).status, 204);
    assert.ok(!(await t.server.store.tasks.lastSuccesses()).some((success) => success.taskName === 'short_lived'));
  });
});

describe('metrics without task labels', () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer({ env: { CRONFLEET_METRICS_TASK_LABELS: 'false' } });
  });
  after(async () => {
    await t?.close();
  });

  it('has no series per task, and durations by status only', async () => {
    const watch = watchExecutions(t);
    const task = await t.request('POST', '/api/v1/tasks', { name: 'one_of_many', command: 'true' });
    const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    assert.equal(await watch.finished(triggered.body.id), 'success');
    watch.stop();
    const exposition = await scrape(t);
    assert.equal(promtoolComplaints(exposition), '');
    assert.doesNotMatch(exposition, /task="/);
    assert.doesNotMatch(exposition, /cronfleet_task_last_success_timestamp_seconds/);
    assert.equal(sample(exposition, 'cronfleet_execution_duration_seconds_count{status="success"}'), 1);
  });
});

describe('the shipped Prometheus rules and Grafana dashboard', () => {
  it('pass promtool check rules and their unit tests', () => {
    const options = { cwd: join(deploy, 'prometheus'), encoding: 'utf8' as const };
    assert.match(execFileSync('promtool', ['check', 'rules', 'alerts.yml'], options), /SUCCESS: \d+ rules found/);
    assert.match(execFileSync('promtool', ['test', 'rules', 'alerts.test.yml'], options), /SUCCESS/);
  });

  it('query only metrics the server exports', async () => {
    const t = await startTestServer({ executor: false });
    try {
      const exposition = await scrape(t);
      const exported = new Set(exposition.split('\n').flatMap((line) => (line.startsWith('# TYPE ') ? [line.split(' ')[2]!] : [])));
      const known = (name: string) => exported.has(name) || exported.has(name.replace(/_(bucket|sum|count)$/, ''));
      const expressions = [
        ...JSON.parse(readFileSync(join(deploy, 'grafana', 'cronfleet-dashboard.json'), 'utf8')).panels.flatMap((panel: { targets: Array<{ expr: string }> }) => panel.targets.map((target) => target.expr)),
        ...[...readFileSync(join(deploy, 'prometheus', 'alerts.yml'), 'utf8').matchAll(/expr: (.+)/g)].map((match) => match[1]!),
      ];
      const used = new Set(expressions.flatMap((expression) => expression.match(/cronfleet_[a-z0-9_]+/g) ?? []));
      assert.ok(used.size >= 8, [...used].join(', '));
      for (const name of used) assert.ok(known(name), `${name} is exported`);
    } finally {
      await t.close();
    }
  });
});
