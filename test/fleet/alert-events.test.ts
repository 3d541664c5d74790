// Alerts on what happens to executors and to fires (issue 16): an agent SIGKILLed mid-run
// raises executor_lost for its task and executor_offline for itself, and its return
// sends recovered (the loss is in the server's log at warn); fires missed while no scheduler ran raise misfire, once per problem.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeClock } from '../helpers/fake-clock.ts';
import { removeTestData } from '../helpers/database.ts';
import { Receiver, type Received } from '../helpers/http-receiver.ts';
import { recordingLogger } from '../helpers/log-records.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { eventually } from '../scheduler/helpers.ts';
import { type AgentProcess, cleanupsAfter, executorToken, FAST_HEARTBEAT, startAgent } from './helpers.ts';

// This process's own: lanes run side by side, and the cleanup kills whatever holds the mark.
const MARK = `cronfleet-alert-events-sleep-pid${process.pid}-`;

interface Sent {
  event: string;
  title: string;
  task: { name: string } | null;
  execution: { id: string } | null;
}

const sentOf = (received: Received): Sent => JSON.parse(received.body) as Sent;

async function webhookRule(t: TestServer, receiver: Receiver, body: { name: string } & Record<string, unknown>): Promise<string> {
  const channel = await t.request('POST', '/api/v1/channels', { name: `hook ${body.name}`, type: 'webhook', config: { url: `${receiver.url}/alerts` } });
  assert.equal(channel.status, 201, JSON.stringify(channel.body));
  const rule = await t.request('POST', '/api/v1/alert-rules', { channel_ids: [channel.body.id], ...body });
  assert.equal(rule.status, 201, JSON.stringify(rule.body));
  return rule.body.id;
}

describe('alerts about executors and missed fires', () => {
  const cleanups = cleanupsAfter(MARK);

  it('an agent killed mid-run: executor_lost for the task, executor_offline for the agent, recovered when it is back', async () => {
    const { logger, records } = recordingLogger();
    const t = await startTestServer({ executor: false, env: FAST_HEARTBEAT, logger });
    const receiver = await new Receiver().start();
    receiver.reply = () => ({ status: 200, body: '{}' });
    const agents: AgentProcess[] = [];
    cleanups.push(async () => {
      for (const agent of agents) await agent.kill('SIGKILL');
      await receiver.close();
      await t.close();
    });
    const token = await executorToken(t);
    agents.push(await startAgent(t, token, 'doomed', { labels: 'pool=doomed' }));
    const task = await t.request('POST', '/api/v1/tasks', { name: 'long_haul', command: `sleep 30 # ${MARK}`, shell: true, executor_labels: { pool: 'doomed' } });
    assert.equal(task.status, 201, JSON.stringify(task.body));
    const ruleId = await webhookRule(t, receiver, { name: 'fleet', events: ['executor_lost', 'executor_offline', 'recovered'] });

    const run = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
    await eventually(async () => (await t.request('GET', `/api/v1/executions/${run.body.id}`)).body.start_time !== null, 'the run to start');
    await agents.pop()!.kill('SIGKILL');

    await eventually(async () => receiver.received.some((request) => sentOf(request).event === 'executor_lost'), 'the executor_lost alert');
    const lost = sentOf(receiver.received.find((request) => sentOf(request).event === 'executor_lost')!);
    assert.equal(lost.title, '[cronfleet] long_haul: its executor was lost mid-run');
    assert.equal(lost.execution?.id, run.body.id);
    await eventually(async () => receiver.received.some((request) => sentOf(request).event === 'executor_offline'), 'the executor_offline alert');
    assert.equal(sentOf(receiver.received.find((request) => sentOf(request).event === 'executor_offline')!).title, '[cronfleet] executor doomed is offline');

    const lostLine = records.find((record) => record.msg?.toString().startsWith('executor lost'));
    assert.deepEqual([lostLine?.level, lostLine?.name, lostLine?.running], [40, 'doomed', 1], 'the loss is logged at warn');

    // The same agent (same name on the same host: the same identity) comes back.
    agents.push(await startAgent(t, token, 'doomed', { labels: 'pool=doomed' }));
    await eventually(async () => receiver.received.some((request) => sentOf(request).event === 'recovered'), 'the recovered alert');
    assert.equal(sentOf(receiver.received.find((request) => sentOf(request).event === 'recovered')!).title, '[cronfleet] executor doomed is back online');
    const recorded = (await t.request('GET', `/api/v1/alerts?rule_id=${ruleId}&page_size=100`)).body.items as Array<{ event: string; status: string }>;
    assert.deepEqual(recorded.map((alert) => alert.event).sort(), ['executor_lost', 'executor_offline', 'recovered'], 'one alert per problem and one for its end');
  });

  it('fires missed while no scheduler ran: one misfire alert, the other missed fires suppressed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cronfleet-misfire-alert-'));
    const receiver = await new Receiver().start();
    receiver.reply = () => ({ status: 200, body: '{}' });
    cleanups.push(async () => {
      await receiver.close();
      await removeTestData(dataDir);
    });
    const clock = new FakeClock('2026-01-05T00:00:00.000Z');
    const first = await startTestServer({ clock, executor: false, dataDir });
    const task = await first.request('POST', '/api/v1/tasks', { name: 'every_minute', cron_expression: '* * * * *', command: 'true', misfire_policy: 'skip', misfire_grace_seconds: 10 });
    const ruleId = await webhookRule(first, receiver, { name: 'missed', events: ['misfire'], task_ids: [task.body.id], throttle_seconds: 3600 });
    await first.server.alerting.evaluator.pass(); // alerts are about what happens from here on
    await first.close({ keepData: true });

    clock.set('2026-01-05T00:05:30.000Z'); // five fires missed
    const second = await startTestServer({ clock, executor: false, dataDir, env: { CRONFLEET_ADMIN_TOKEN: first.token } });
    try {
      // The first pass may be refused (its lease lapsed while a loaded machine stalled the
      // process) and the fake clock never rings its retry: wake the loop until the fires are in.
      await eventually(async () => {
        second.server.scheduler.wake();
        await second.server.scheduler.fireLoop.settled();
        return (await second.request('GET', `/api/v1/executions?task_id=${task.body.id}`)).body.total === 5;
      }, 'the five missed fires recorded');
      await second.server.alerting.evaluator.pass();
      await second.server.alerting.sender.pass();
      const recorded = (await second.request('GET', `/api/v1/alerts?rule_id=${ruleId}&page_size=100`)).body.items as Array<{ event: string; status: string }>;
      assert.deepEqual(recorded.map((alert) => [alert.event, alert.status]).sort(), [
        ['misfire', 'sent'],
        ['misfire', 'suppressed'],
        ['misfire', 'suppressed'],
        ['misfire', 'suppressed'],
        ['misfire', 'suppressed'],
      ]);
      assert.deepEqual(
        receiver.received.map((request) => sentOf(request).title),
        ['[cronfleet] every_minute missed a scheduled run'],
      );
    } finally {
      await second.close({ keepData: true });
    }
  });
});
