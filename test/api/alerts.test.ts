// Alert rules end to end (issue 16): a task that fails raises one alert per problem on a
// real webhook receiver; later failures within the throttle are recorded as suppressed;
// the next success sends `recovered`; N failures in a row; a muted rule sends nothing;
// the dead-man switch under a clock moved ahead; an alert recorded by a leader that then
// died is sent by the next one, once; rules refuse what they cannot watch.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AlertEvaluator } from '../../src/alerts/evaluator.ts';
import { watchExecutions } from './execution-watch.ts';
import { removeTestData } from '../helpers/database.ts';
import { eventually, Receiver, type Received } from '../helpers/http-receiver.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

interface Sent {
  event: string;
  title: string;
  task: { name: string } | null;
  execution: { id: string; status: string } | null;
  alert_id: string;
}

const sentOf = (received: Received): Sent => JSON.parse(received.body) as Sent;

describe('alert rules', () => {
  let t: TestServer;
  let receiver: Receiver;
  let channelId = '';

  before(async () => {
    t = await startTestServer({ env: { CRONFLEET_PUBLIC_URL: 'https://cron.example.com' } });
    receiver = await new Receiver().start();
    receiver.reply = () => ({ status: 200, body: '{}' });
    const channel = await t.request('POST', '/api/v1/channels', { name: 'ops hook', type: 'webhook', config: { url: `${receiver.url}/alerts` } });
    assert.equal(channel.status, 201, JSON.stringify(channel.body));
    channelId = channel.body.id;
  });
  after(async () => {
    await receiver?.close();
    await t?.close();
  });

  async function task(name: string, command: string, extra: Record<string, unknown> = {}): Promise<string> {
    const created = await t.request('POST', '/api/v1/tasks', { name, command, ...extra });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  }

  async function run(taskId: string): Promise<{ id: string; status: string }> {
    const watch = watchExecutions(t);
    try {
      const triggered = await t.request('POST', `/api/v1/tasks/${taskId}/trigger`, {});
      assert.equal(triggered.status, 202, JSON.stringify(triggered.body));
      return { id: triggered.body.id, status: await watch.finished(triggered.body.id) };
    } finally {
      watch.stop();
    }
  }

  async function rule(body: Record<string, unknown>): Promise<string> {
    const created = await t.request('POST', '/api/v1/alert-rules', { channel_ids: [channelId], ...body });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id;
  }

  /** The alerts recorded for a rule, oldest first, once `count` of them exist. */
  async function alertsOf(ruleId: string, count: number): Promise<Array<{ event: string; status: string; execution_id: string | null; response_status: number | null }>> {
    let items: Array<{ event: string; status: string; execution_id: string | null; response_status: number | null }> = [];
    await eventually(`${count} alerts of rule ${ruleId}`, async () => {
      items = (await t.request('GET', `/api/v1/alerts?rule_id=${ruleId}&page_size=100`)).body.items;
      return items.length >= count && items.every((alert) => alert.status !== 'pending' && alert.status !== 'sending');
    });
    return items.reverse();
  }

  /** An evaluator and a sender pass, now: after them, what was not recorded or sent will not be. */
  async function passes(): Promise<void> {
    await t.server.alerting.evaluator.pass();
    await t.server.alerting.sender.pass();
  }

  const sentFor = (predicate: (sent: Sent) => boolean) => receiver.received.map(sentOf).filter(predicate);

  it('sends one alert per problem, suppresses the rest within the throttle, and says when it recovered', async () => {
    const ruleId = await rule({ name: 'nightly failures', events: ['failed', 'recovered'], tags: ['nightly'] });
    const taskId = await task('nightly_export', 'exit 3', { tags: ['nightly'] });
    const first = await run(taskId);
    assert.equal(first.status, 'failed');
    await eventually('the failure alert', () => sentFor((sent) => sent.execution?.id === first.id).length === 1);
    const [alert] = sentFor((sent) => sent.execution?.id === first.id);
    assert.equal(alert!.event, 'failed');
    assert.equal(alert!.title, '[cronfleet] nightly_export failed');
    assert.equal(alert!.task?.name, 'nightly_export');
    const received = receiver.received.find((request) => sentOf(request).alert_id === alert!.alert_id)!;
    assert.equal(received.headers['x-cronfleet-alert'], alert!.alert_id);
    assert.match(JSON.parse(received.body).link, /^https:\/\/cron\.example\.com\/executions\//);
    // The sender counts a send once the receiver's answer is back: the receiver may have it first.
    const sentCounted = /^cronfleet_alerts_total\{event="failed",channel="ops hook",outcome="sent"\} 1$/m;
    await eventually('the send to be counted', async () => sentCounted.test((await t.request<string>('GET', '/metrics')).body));

    const second = await run(taskId);
    assert.equal(second.status, 'failed');
    const recorded = await alertsOf(ruleId, 2);
    assert.deepEqual(
      recorded.map((entry) => [entry.event, entry.status]),
      [
        ['failed', 'sent'],
        ['failed', 'suppressed'],
      ],
    );
    assert.equal(recorded[0]!.response_status, 200);
    assert.equal(sentFor((sent) => sent.execution?.id === second.id).length, 0, 'throttled: not sent');

    assert.equal((await t.request('PUT', `/api/v1/tasks/${taskId}`, { name: 'nightly_export', command: 'true', tags: ['nightly'] })).status, 200);
    const fixed = await run(taskId);
    assert.equal(fixed.status, 'success');
    await eventually('the recovery alert', () => sentFor((sent) => sent.event === 'recovered' && sent.task?.name === 'nightly_export').length === 1);
    // A task the rule does not watch (no tag) raises nothing.
    const other = await run(await task('untagged_job', 'exit 1'));
    assert.equal(other.status, 'failed');
    await passes(); // whatever the evaluator would record and send, it has
    assert.equal(sentFor((sent) => sent.task?.name === 'untagged_job').length, 0);
  });

  it('alerts on the Nth failure in a row, not before', async () => {
    const taskId = await task('streaky', 'exit 1');
    const ruleId = await rule({ name: 'three in a row', events: ['consecutive_failures'], task_ids: [taskId], consecutive_failures: 3 });
    for (let i = 0; i < 2; i++) assert.equal((await run(taskId)).status, 'failed');
    await passes();
    assert.equal((await t.request('GET', `/api/v1/alerts?rule_id=${ruleId}`)).body.total, 0);
    const third = await run(taskId);
    const [alert] = await alertsOf(ruleId, 1);
    assert.equal(alert!.event, 'consecutive_failures');
    assert.equal(alert!.execution_id, third.id);
    await eventually('the streak alert', () => sentFor((sent) => sent.event === 'consecutive_failures').length === 1);
    assert.equal(sentFor((sent) => sent.event === 'consecutive_failures')[0]!.title, '[cronfleet] streaky failed 3 times in a row');
  });

  it('names what happened: a run that timed out, and one no executor could take', async () => {
    const slow = await task('slow_job', 'sleep', { args: ['5'], timeout_seconds: 1 });
    const homeless = await task('homeless_job', 'true', { executor_labels: { zone: 'nowhere' }, dispatch_timeout_seconds: 1 });
    const ruleId = await rule({ name: 'what happened', events: ['timeout', 'no_executor'], task_ids: [slow, homeless] });
    assert.equal((await run(slow)).status, 'timeout');
    const waiting = await run(homeless);
    assert.equal(waiting.status, 'failed');
    const alerts = await alertsOf(ruleId, 2);
    assert.deepEqual(alerts.map((alert) => [alert.event, alert.status]).sort(), [
      ['no_executor', 'sent'],
      ['timeout', 'sent'],
    ]);
    await eventually('both alerts', () => sentFor((sent) => sent.event === 'timeout' || sent.event === 'no_executor').length === 2);
    assert.equal(sentFor((sent) => sent.event === 'timeout')[0]!.title, '[cronfleet] slow_job timed out');
    assert.equal(sentFor((sent) => sent.event === 'no_executor')[0]!.title, '[cronfleet] homeless_job: no executor could take it');
  });

  it('records a muted rule’s alerts as suppressed and sends nothing', async () => {
    const taskId = await task('muted_job', 'exit 1');
    const ruleId = await rule({ name: 'muted', events: ['failed'], task_ids: [taskId], muted_until: new Date(Date.now() + 3_600_000).toISOString() });
    await run(taskId);
    const [alert] = await alertsOf(ruleId, 1);
    assert.equal(alert!.status, 'suppressed');
    assert.equal(sentFor((sent) => sent.task?.name === 'muted_job').length, 0);
  });

  it('raises no_success for a task without a success for longer than the rule allows (the clock moved ahead)', async () => {
    const taskId = await task('silent_job', 'true', { cron_expression: '0 3 * * *' });
    const ruleId = await rule({ name: 'dead man', events: ['no_success'], task_ids: [taskId], no_success_seconds: 3600 });
    const now = { now: () => Date.now() } as never;
    const later = { now: () => Date.now() + 2 * 3_600_000 } as never;
    assert.equal(await new AlertEvaluator(t.server.store, now).pass(), 0, 'created just now: not silent yet');
    assert.equal(await new AlertEvaluator(t.server.store, later).pass(), 1, 'two hours later without a success');
    assert.equal(await new AlertEvaluator(t.server.store, later).pass(), 0, 'one alert per silence');
    const [alert] = await alertsOf(ruleId, 1);
    assert.equal(alert!.event, 'no_success');
    assert.equal(alert!.status, 'sent');
    await eventually('the dead-man alert', () => sentFor((sent) => sent.event === 'no_success').length === 1);
    assert.equal(sentFor((sent) => sent.event === 'no_success')[0]!.title, '[cronfleet] silent_job has not succeeded for over 60 minutes');
  });

  it('refuses a rule that names a missing channel or task, or lacks what its event needs, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: 'x', events: ['failed'], channel_ids: ['no-such-channel'] }, 'channel_ids'],
      [{ name: 'x', events: ['failed'], channel_ids: [channelId], task_ids: ['no-such-task'] }, 'task_ids'],
      [{ name: 'x', events: ['consecutive_failures'], channel_ids: [channelId] }, 'consecutive_failures'],
      [{ name: 'x', events: ['no_success'], channel_ids: [channelId] }, 'no_success_seconds'],
    ];
    for (const [body, field] of cases) {
      const refused = await t.request('POST', '/api/v1/alert-rules', body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.body.error.details.field, field);
    }
    const unknownEvent = await t.request('POST', '/api/v1/alert-rules', { name: 'x', events: ['exploded'], channel_ids: [channelId] });
    assert.equal(unknownEvent.status, 400);
    assert.equal((await t.request('GET', '/api/v1/alert-rules/no-such-rule')).status, 404);
  });
});

describe('alerts across a leader’s death', () => {
  it('sends an alert recorded by a leader that died before sending, once, from the next leader', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-alert-failover-'));
    const receiver = await new Receiver().start();
    receiver.reply = () => ({ status: 200, body: '{}' });
    try {
      const first = await startTestServer({ dataDir, env: { CRONFLEET_SECRET_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=' } });
      const channel = await first.request('POST', '/api/v1/channels', { name: 'hook', type: 'webhook', config: { url: `${receiver.url}/a` } });
      const created = await first.request('POST', '/api/v1/tasks', { name: 'dies_with_leader', command: 'exit 1' });
      await first.request('POST', '/api/v1/alert-rules', { name: 'any failure', events: ['failed'], channel_ids: [channel.body.id] });
      // The leader's alerting stops (as if it froze) before it sends: the failure is recorded, not sent.
      await first.server.alerting.stop();
      const watch = watchExecutions(first);
      const triggered = await first.request('POST', `/api/v1/tasks/${created.body.id}/trigger`, {});
      assert.equal(await watch.finished(triggered.body.id), 'failed');
      watch.stop();
      assert.equal(await first.server.alerting.evaluator.pass(), 1, 'recorded');
      assert.equal(receiver.received.length, 0, 'not sent');
      await first.close({ keepData: true }); // the leader dies

      const second = await startTestServer({ dataDir, env: { CRONFLEET_SECRET_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=', CRONFLEET_ADMIN_TOKEN: first.token } });
      try {
        await eventually('the next leader to send it', () => receiver.received.length === 1);
        for (let i = 0; i < 2; i++) {
          // More passes: nothing is sent twice.
          await second.server.alerting.evaluator.pass();
          await second.server.alerting.sender.pass();
        }
        assert.equal(receiver.received.length, 1);
        assert.equal(sentOf(receiver.received[0]!).execution?.id, triggered.body.id);
        const alerts = (await second.request('GET', '/api/v1/alerts')).body.items;
        assert.deepEqual(
          alerts.map((alert: { status: string }) => alert.status),
          ['sent'],
        );
      } finally {
        await second.close();
      }
    } finally {
      await receiver.close();
      await removeTestData(dataDir);
    }
  });
});

describe('no_leader', () => {
  it('an api instance (it never leads) alerts when no instance holds the lease, and says when one leads again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-no-leader-'));
    const receiver = await new Receiver().start();
    receiver.reply = () => ({ status: 200, body: '{}' });
    const env = { CRONFLEET_SECRET_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=', CRONFLEET_LEASE_TTL_SECONDS: '2', CRONFLEET_LEASE_RENEW_SECONDS: '0.5' };
    const api = await startTestServer({ dataDir, executor: false, env: { ...env, CRONFLEET_ROLE: 'api' } });
    let leader: Awaited<ReturnType<typeof startTestServer>> | null = null;
    try {
      const channel = await api.request('POST', '/api/v1/channels', { name: 'pager', type: 'webhook', config: { url: `${receiver.url}/p` } });
      const created = await api.request('POST', '/api/v1/alert-rules', { name: 'cluster', events: ['no_leader', 'recovered'], channel_ids: [channel.body.id] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await eventually('the no_leader alert', () => receiver.received.some((request) => sentOf(request).event === 'no_leader'));
      assert.equal(sentOf(receiver.received.find((request) => sentOf(request).event === 'no_leader')!).title, '[cronfleet] no instance holds the leader lease: nothing fires');
      leader = await startTestServer({ dataDir, executor: false, env: { ...env, CRONFLEET_ADMIN_TOKEN: api.token } });
      await eventually('the recovery', () => receiver.received.some((request) => sentOf(request).event === 'recovered'));
      await new Promise((resolve) => setTimeout(resolve, 3000)); // more passes on both instances
      assert.deepEqual(
        receiver.received.map((request) => sentOf(request).event),
        ['no_leader', 'recovered'],
        'one alert for the problem, one for its end, though two instances watch',
      );
    } finally {
      await leader?.close({ keepData: true });
      await api.close({ keepData: true });
      await receiver.close();
      await removeTestData(dataDir);
    }
  });
});
