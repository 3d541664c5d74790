// The HTTP runner refuses link-local and cloud-metadata destinations — by address, by
// name, and by what a host name resolves to — unless the executor allows them.
// Loopback and private addresses stay allowed.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { refusedAddress, refusedDestination } from '../../src/executor/network-policy.ts';
import { resolveExecutorPolicy } from '../../src/executor/policy.ts';
import { AgentHarness, runTask } from './agent-harness.ts';

const httpTask = (url: string) => runTask('http', { method: 'GET', url, headers: {}, body: null }, { timeout: 5 });

describe('HTTP destinations', () => {
  let harness: AgentHarness;
  let server: Server;
  let requests = 0;
  before(async () => {
    harness = new AgentHarness();
    server = createServer((_request, response) => {
      requests += 1;
      response.end('internal service');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  after(async () => {
    await harness.close();
    server.close();
  });

  for (const [url, reason] of [
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254, a cloud metadata address'],
    ['http://169.254.170.2/v2/credentials', '169.254.170.2, a link-local address'],
    ['http://2852039166/latest/meta-data/', '169.254.169.254, a cloud metadata address'],
    ['http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe (169.254.169.254), a cloud metadata address'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'fd00:ec2::254, a cloud metadata address'],
    ['http://[fe80::1]:8080/', 'fe80::1, a link-local address'],
    ['http://100.100.100.200/latest/meta-data/', '100.100.100.200, a cloud metadata address'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata.google.internal is a cloud metadata service'],
  ] as const) {
    it(`refuses ${url}`, async () => {
      const task = httpTask(url);
      const update = await harness.run(task);
      assert.equal(update.data.status, 'failed');
      assert.equal(update.data.error, `GET ${url} refused: ${reason}; this executor allows it only when started with --allow-link-local`);
      assert.match(harness.output(task.id, 'system'), /refused/);
    });
  }

  it('still calls services on loopback', async () => {
    const task = httpTask(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const before = requests;
    assert.equal((await harness.run(task)).data.status, 'success');
    assert.equal(requests, before + 1);
    assert.equal(harness.output(task.id, 'stdout'), 'internal service');
  });

  it('checks every address a host name resolves to', async () => {
    const url = new URL('http://jobs.internal.example/run');
    assert.equal(await refusedDestination(url, async () => ['10.0.0.5', '169.254.169.254']), 'jobs.internal.example resolves to 169.254.169.254, a cloud metadata address');
    assert.equal(await refusedDestination(url, async () => ['10.0.0.5', 'fe80::2']), 'jobs.internal.example resolves to fe80::2, a link-local address');
    assert.equal(await refusedDestination(url, async () => ['10.0.0.5', '192.168.1.20', 'fd12::1']), null);
  });

  it('resolves real host names itself: localhost is allowed', async () => {
    assert.equal(await refusedDestination(new URL('http://localhost:1/')), null);
  });

  it('keeps private and loopback addresses allowed', () => {
    for (const address of ['127.0.0.1', '::1', '10.1.2.3', '172.16.0.1', '192.168.0.1', '100.64.0.1', 'fd00::1']) assert.equal(refusedAddress(address), null, address);
  });
});

describe('HTTP destinations with --allow-link-local', () => {
  it('sends the request instead of refusing it', async () => {
    const harness = new AgentHarness({ policy: await resolveExecutorPolicy({ allowLinkLocal: true }) });
    try {
      // No scope id: the connection fails at once, but only after the runner tried it.
      const task = runTask('http', { method: 'GET', url: 'http://[fe80::1]:9/', headers: {}, body: null }, { timeout: 5 });
      const update = await harness.run(task);
      assert.doesNotMatch(update.data.error ?? '', /refused:/);
    } finally {
      await harness.close();
    }
  });
});
