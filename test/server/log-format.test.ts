// What an operator reads in the log (issue 16): the events that matter at info/warn with
// their ids, JSON lines for collectors, readable text at a terminal, the same option on
// the agent, and a clear usage error for a format that does not exist.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { prettyLine, resolvedLogFormat } from '../../src/cli/log-format.ts';
import { watchExecutions } from '../api/execution-watch.ts';
import { runCli } from '../cli/run-cli.ts';
import { eventually, Receiver } from '../helpers/http-receiver.ts';
import { recordingLogger } from '../helpers/log-records.ts';
import { startTestServer } from '../helpers/server.ts';

describe('the server log', () => {
  it('says at info when leadership is won, warns of a failed execution with its ids, and says the alert was sent', async () => {
    const { logger, records } = recordingLogger();
    const t = await startTestServer({ logger });
    const receiver = await new Receiver().start();
    try {
      const channel = await t.request('POST', '/api/v1/channels', { name: 'log hook', type: 'webhook', config: { url: `${receiver.url}/hook` } });
      assert.equal((await t.request('POST', '/api/v1/alert-rules', { name: 'log failures', events: ['failed'], channel_ids: [channel.body.id] })).status, 201);
      const watch = watchExecutions(t);
      const task = await t.request('POST', '/api/v1/tasks', { name: 'broken_export', command: 'exit 4' });
      const triggered = await t.request('POST', `/api/v1/tasks/${task.body.id}/trigger`, {});
      assert.equal(await watch.finished(triggered.body.id), 'failed');
      watch.stop();
      assert.ok(
        records.some((record) => record.msg === 'leader lease acquired: this instance fires and dispatches' && record.level === 30),
        JSON.stringify(records.map((record) => record.msg)),
      );
      const failed = records.find((record) => record.msg === 'execution failed');
      assert.ok(failed, 'the failure is logged');
      assert.equal(failed.level, 40);
      assert.equal(failed.execution, triggered.body.id);
      assert.equal(failed.task, 'broken_export');
      assert.ok(records.some((record) => record.msg === 'executor connected'));
      assert.ok(!records.some((record) => record.msg === 'execution success'), 'successes stay at debug');
      await eventually('the alert to be logged', () => records.some((record) => record.msg === 'alert sent'));
      const sent = records.find((record) => record.msg === 'alert sent')!;
      assert.deepEqual([sent.level, sent.event, sent.channel, sent.execution, sent.status], [30, 'failed', 'log hook', triggered.body.id, 200]);
      assert.equal(typeof sent.alert, 'string');
    } finally {
      await receiver.close();
      await t.close();
    }
  });

  it('reads as text at a terminal: time, level, message, fields, the error stack indented', () => {
    const line = prettyLine({
      level: 40,
      time: Date.UTC(2026, 11, 2, 14, 0, 0),
      pid: 1,
      hostname: 'h',
      msg: 'execution failed',
      execution: 'e1',
      task: 'nightly report',
      err: { message: 'boom', stack: 'Error: boom\n    at x' },
    });
    assert.equal(line, '2026-12-02T14:00:00.000Z WARN  execution failed execution=e1 task="nightly report"\n    Error: boom\n        at x\n');
    assert.equal(resolvedLogFormat('auto', { isTTY: true }), 'pretty');
    assert.equal(resolvedLogFormat('auto', { isTTY: false }), 'json');
    assert.equal(resolvedLogFormat('json', { isTTY: true }), 'json');
  });

  it('refuses a log format that does not exist, on the server and on the agent', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'cronfleet-log-format-'));
    const agent = await runCli(['executor', '--server', 'http://127.0.0.1:9', '--token', 't', '--log-format', 'xml'], { cwd });
    assert.equal(agent.code, 2);
    assert.match(agent.stderr, /--log-format must be one of auto, json, pretty, got 'xml'/);
    const server = await runCli(['server', '--port', '0', '--data-dir', cwd, '--log-format', 'xml'], { cwd });
    assert.notEqual(server.code, 0);
    assert.match(server.stderr, /log_format/);
    assert.match(server.stderr, /auto, json, pretty/);
  });
});
