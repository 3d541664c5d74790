// Notification channels (issue 16): each type's real wire format, checked by a local
// receiver that verifies it the way the service on the other end does (the signature
// recomputed here from the documented recipe, not with our own signing code), email
// through a real SMTP server that offers STARTTLS; secrets sealed at rest and read back
// as {"secret":true}; bad settings refused naming the field; link-local destinations
// refused without a request.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { rawDatabase } from '../../src/store/raw-database.ts';
import { Receiver } from '../helpers/http-receiver.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const hmac = (key: string, message: string, encoding: 'hex' | 'base64') => createHmac('sha256', key).update(message).digest(encoding);

describe('notification channels', () => {
  let t: TestServer;
  let receiver: Receiver;

  before(async () => {
    t = await startTestServer({ executor: false });
    receiver = await new Receiver().start();
  });
  after(async () => {
    await receiver?.close();
    await t?.close();
  });

  async function channel(body: Record<string, unknown>): Promise<{ id: string; config: Record<string, unknown> }> {
    const created = await t.request('POST', '/api/v1/channels', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body;
  }

  async function test(id: string): Promise<{ ok: boolean; status: number | null; response: string }> {
    const answered = await t.request('POST', `/api/v1/channels/${id}/test`);
    assert.equal(answered.status, 200, JSON.stringify(answered.body));
    return answered.body;
  }

  it('webhook: a JSON POST signed over route, channel, alert, timestamp, nonce and body', async () => {
    const secret = 'whsec-test-0123456789';
    const created = await channel({ name: 'ops webhook', type: 'webhook', config: { url: `${receiver.url}/hooks/cronfleet`, secret } });
    assert.deepEqual(created.config, { url: `${receiver.url}/hooks/cronfleet`, secret: { secret: true } });
    receiver.reply = () => ({ status: 204, body: '' });
    const outcome = await test(created.id);
    assert.deepEqual(outcome, { ok: true, status: 204, response: '' });
    const { path, headers, body } = receiver.last();
    assert.equal(path, '/hooks/cronfleet');
    assert.equal(headers['content-type'], 'application/json');
    const parsed = JSON.parse(body);
    assert.equal(parsed.event, 'test');
    assert.match(parsed.title, /ops webhook/);
    const alertId = String(headers['x-cronfleet-alert']);
    const stringToSign = ['v2', 'POST', 'alert', created.id, alertId, String(headers['x-cronfleet-timestamp']), String(headers['x-cronfleet-nonce']), ''].join('\n') + body;
    assert.equal(headers['x-cronfleet-channel'], created.id);
    assert.equal(headers['x-cronfleet-signature'], `v2=${hmac(secret, stringToSign, 'hex')}`);
    assert.ok(Math.abs(Number(headers['x-cronfleet-timestamp']) - Date.now() / 1000) < 300);
  });

  it('slack: {"text"} to the incoming webhook; anything but "ok" is a failure with the answer', async () => {
    const created = await channel({ name: 'slack #ops', type: 'slack', config: { webhook_url: `${receiver.url}/services/T000/B000/XXXX` } });
    assert.deepEqual(created.config, { webhook_url: { secret: true } }, 'the webhook URL is a key: never shown');
    receiver.reply = () => ({ status: 200, body: 'ok' });
    assert.equal((await test(created.id)).ok, true);
    const sent = JSON.parse(receiver.last().body);
    assert.deepEqual(Object.keys(sent), ['text']);
    assert.match(sent.text, /^\*cronfleet test message/);
    receiver.reply = () => ({ status: 403, body: 'invalid_token' });
    assert.deepEqual(await test(created.id), { ok: false, status: 403, response: 'invalid_token' });
  });

  it('feishu: signed with the key "<timestamp>\\n<secret>" over nothing; code 0 is success, a sign failure is not', async () => {
    const secret = 'feishu-signing-secret';
    const created = await channel({ name: '飞书告警群', type: 'feishu', locale: 'zh-CN', config: { webhook_url: `${receiver.url}/open-apis/bot/v2/hook/abc`, secret } });
    receiver.reply = (request) => {
      const sent = JSON.parse(request.body);
      const valid = sent.sign === hmac(`${sent.timestamp}\n${secret}`, '', 'base64');
      return { status: 200, body: JSON.stringify(valid ? { code: 0, msg: 'success', data: {} } : { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' }) };
    };
    assert.equal((await test(created.id)).ok, true);
    const sent = JSON.parse(receiver.last().body);
    assert.equal(sent.msg_type, 'text');
    assert.match(sent.content.text, /cronfleet 测试消息（通知渠道“飞书告警群”）/, 'written in the channel’s language');
    // A channel whose secret is not the bot's: the bot says so, and so does the test.
    const wrong = await channel({ name: 'feishu wrong secret', type: 'feishu', config: { webhook_url: `${receiver.url}/open-apis/bot/v2/hook/abc`, secret: 'not-the-secret' } });
    const refused = await test(wrong.id);
    assert.equal(refused.ok, false);
    assert.match(refused.response, /sign match fail/);
  });

  it('dingtalk: timestamp (ms) and sign = base64(HMAC(secret, "<timestamp>\\n<secret>")) in the URL; errcode 0', async () => {
    const secret = 'SEC0123456789abcdef';
    const created = await channel({ name: 'dingtalk', type: 'dingtalk', config: { webhook_url: `${receiver.url}/robot/send?access_token=tok123`, secret } });
    receiver.reply = (request) => {
      const query = new URL(request.path, receiver.url).searchParams;
      const valid = query.get('access_token') === 'tok123' && query.get('sign') === hmac(secret, `${query.get('timestamp')}\n${secret}`, 'base64');
      return { status: 200, body: JSON.stringify(valid ? { errcode: 0, errmsg: 'ok' } : { errcode: 310000, errmsg: 'sign not match' }) };
    };
    assert.equal((await test(created.id)).ok, true);
    const query = new URL(receiver.last().path, receiver.url).searchParams;
    assert.ok(Math.abs(Number(query.get('timestamp')) - Date.now()) < 300_000, 'milliseconds');
    const sent = JSON.parse(receiver.last().body);
    assert.equal(sent.msgtype, 'text');
    assert.match(sent.text.content, /cronfleet test message/);
  });

  it('wecom: {"msgtype":"text"} to the group robot; errcode 0', async () => {
    const created = await channel({ name: 'wecom', type: 'wecom', config: { webhook_url: `${receiver.url}/cgi-bin/webhook/send?key=k-1` } });
    receiver.reply = () => ({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' });
    assert.equal((await test(created.id)).ok, true);
    assert.equal(JSON.parse(receiver.last().body).msgtype, 'text');
    receiver.reply = () => ({ status: 200, body: '{"errcode":93000,"errmsg":"invalid webhook url"}' });
    const refused = await test(created.id);
    assert.equal(refused.ok, false, 'a 200 with an error code is a failure');
    assert.match(refused.response, /invalid webhook url/);
  });

  it('email: over SMTP after STARTTLS, with authentication; a server without STARTTLS gets nothing', async () => {
    const mails: Array<{ from: string; to: string[]; secure: boolean; user: string | undefined; data: string }> = [];
    const smtp = new SMTPServer({
      authOptional: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'alerts' && auth.password === 'smtp-pass') return callback(null, { user: auth.username });
        return callback(new Error('bad credentials'));
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const envelope = session.envelope;
          mails.push({
            from: envelope.mailFrom ? envelope.mailFrom.address : '',
            to: envelope.rcptTo.map((to) => to.address),
            secure: session.secure,
            user: session.user as string | undefined,
            data: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
      logger: false,
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as AddressInfo).port;
    const plain = new SMTPServer({ disabledCommands: ['STARTTLS'], authOptional: true, onData: (_stream, _session, callback) => callback(new Error('should not be reached')), logger: false });
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const config = { host: '127.0.0.1', port, tls_verify: false, username: 'alerts', password: 'smtp-pass', from: 'cronfleet@example.com', to: ['ops@example.com', 'oncall@example.com'] };
      const created = await channel({ name: 'email ops', type: 'email', config });
      assert.deepEqual(created.config.password, { secret: true });
      const outcome = await test(created.id);
      assert.equal(outcome.ok, true, JSON.stringify(outcome));
      assert.equal(outcome.status, 250);
      assert.equal(mails.length, 1);
      assert.equal(mails[0]!.secure, true, 'upgraded with STARTTLS before anything was sent');
      assert.equal(mails[0]!.user, 'alerts');
      assert.deepEqual(mails[0]!.to, ['ops@example.com', 'oncall@example.com']);
      assert.match(mails[0]!.data, /^Subject: =\?UTF-8\?Q\?cronfleet_test_message/m);
      assert.match(mails[0]!.data, /If you can read this, cronfleet can reach this channel\./);

      const noTls = await channel({ name: 'no starttls', type: 'email', config: { ...config, port: (plain.server.address() as AddressInfo).port } });
      const refused = await test(noTls.id);
      assert.equal(refused.ok, false);
      assert.match(refused.response, /STARTTLS/i);
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });

  it('keeps secrets sealed at rest, keeps a stored one on {"secret":true}, and never writes one to the audit log', async () => {
    const secret = 'keep-me-sealed-42';
    const created = await channel({ name: 'sealed', type: 'webhook', config: { url: `${receiver.url}/sealed`, secret } });
    const rows = await rawDatabase(t.server.store)
      .db.selectFrom('alert_channels' as never)
      .selectAll()
      .execute();
    assert.ok(!JSON.stringify(rows).includes(secret), 'the database holds no plaintext secret');
    const fetched = await t.request('GET', `/api/v1/channels/${created.id}`);
    assert.deepEqual(fetched.body.config.secret, { secret: true });
    // Renamed, secret kept: the next message is still signed with it.
    const updated = await t.request('PUT', `/api/v1/channels/${created.id}`, { name: 'sealed, renamed', type: 'webhook', config: { url: `${receiver.url}/sealed`, secret: { secret: true } } });
    assert.equal(updated.status, 200, JSON.stringify(updated.body));
    receiver.reply = () => ({ status: 200, body: '{}' });
    await test(created.id);
    const { headers, body } = receiver.last();
    const stringToSign = ['v2', 'POST', 'alert', created.id, String(headers['x-cronfleet-alert']), String(headers['x-cronfleet-timestamp']), String(headers['x-cronfleet-nonce']), ''].join('\n') + body;
    assert.equal(headers['x-cronfleet-signature'], `v2=${hmac(secret, stringToSign, 'hex')}`);
    const audit = await t.request('GET', '/api/v1/audit?page_size=100');
    assert.ok(!JSON.stringify(audit.body).includes(secret), 'the audit log holds no secret');
    assert.ok(audit.body.items.some((entry: { action: string }) => entry.action === 'channel.update'));
    // Deleted: gone.
    assert.equal((await t.request('DELETE', `/api/v1/channels/${created.id}`)).status, 204);
    assert.equal((await t.request('GET', `/api/v1/channels/${created.id}`)).status, 404);
  });

  it('refuses wrong settings naming the field, in English or Chinese, and stores nothing', async () => {
    const before = (await t.request('GET', '/api/v1/channels')).body.total;
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ name: 'x', type: 'slack', config: {} }, 'config.webhook_url', /required for a slack channel/],
      [{ name: 'x', type: 'slack', config: { webhook_url: 'ftp://example.com/hook' } }, 'config.webhook_url', /http:\/\/ or https:\/\//],
      [{ name: 'x', type: 'slack', config: { webhook_url: 'https://hooks.slack.com/x', channel: '#ops' } }, 'config.channel', /no such setting/],
      [{ name: 'x', type: 'email', config: { host: 'smtp', from: 'a@b.c', to: ['not an address'] } }, 'config.to', /email address/],
      [{ name: 'x', type: 'email', config: { host: 'smtp', port: 70_000, from: 'a@b.c', to: 'ops@b.c' } }, 'config.port', /port number/],
      [{ name: 'x', type: 'webhook', config: { url: 'https://example.com', secret: { secret: true } } }, 'config.secret', /none is stored/],
    ];
    for (const [body, field, message] of cases) {
      const refused = await t.request('POST', '/api/v1/channels', body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(refused.body.error.details.field, field);
      assert.match(refused.body.error.message, message);
    }
    const unknownType = await t.request('POST', '/api/v1/channels', { name: 'x', type: 'pager', config: {} });
    assert.equal(unknownType.status, 400);
    const response = await fetch(`${t.url}/api/v1/channels`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json', 'accept-language': 'zh-CN' },
      body: JSON.stringify({ name: 'x', type: 'wecom', config: {} }),
    });
    const chinese = (await response.json()) as { error: { message: string } };
    assert.equal(response.status, 400);
    assert.match(chinese.error.message, /config\.webhook_url：wecom 类型的通知渠道必须填写/);
    const created = await channel({ name: 'typed', type: 'wecom', config: { webhook_url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1' } });
    const retyped = await t.request('PUT', `/api/v1/channels/${created.id}`, { name: 'typed', type: 'slack', config: { webhook_url: 'https://hooks.slack.com/x' } });
    assert.equal(retyped.status, 400);
    assert.equal(retyped.body.error.details.field, 'type');
    assert.equal((await t.request('GET', '/api/v1/channels')).body.total, before + 1);
  });

  it('refuses link-local and cloud metadata destinations without sending', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://metadata.google.internal/computeMetadata/v1/']) {
      const created = await channel({ name: 'metadata', type: 'webhook', config: { url } });
      const outcome = await test(created.id);
      assert.equal(outcome.ok, false);
      assert.equal(outcome.status, null);
      assert.match(outcome.response, /^refused destination: /);
    }
  });
});
