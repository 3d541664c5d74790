// Shared setup for cluster tests: instances on one database with fast leases, the one
// secret key they share (as the README's "Running a cluster" says), and cleanup.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { ExecutorClient } from '../../src/executor/client.ts';
import { removeTestData } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

export const FAST_LEASE = { CRONFLEET_LEASE_TTL_SECONDS: '2', CRONFLEET_LEASE_RENEW_SECONDS: '0.5', CRONFLEET_HEARTBEAT_INTERVAL_SECONDS: '0.5', CRONFLEET_SECRET_KEY: randomBytes(32).toString('base64') };

export interface Cluster {
  /** Starts an instance on the cluster's database; the first one's admin token works on every later one. */
  start(instanceId: string, env?: Record<string, string>): Promise<TestServer>;
  /** Stops an instance (its data stays for the others). */
  stop(server: TestServer): Promise<void>;
  /** Registers an executor client to stop when the suite ends. */
  track(client: ExecutorClient): ExecutorClient;
}

/** A cluster for one describe block: everything started through it is stopped after the block. */
export function clusterForSuite(prefix: string): Cluster {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const servers: TestServer[] = [];
  const clients: ExecutorClient[] = [];
  after(async () => {
    for (const client of clients) await client.stop();
    for (const server of servers) await server.close({ keepData: true });
    await removeTestData(dataDir);
  });
  return {
    async start(instanceId, env = {}) {
      const adminToken: Record<string, string> = servers[0] ? { CRONFLEET_ADMIN_TOKEN: servers[0].token } : {};
      const server = await startTestServer({ dataDir, executor: false, env: { ...FAST_LEASE, CRONFLEET_INSTANCE_ID: instanceId, ...adminToken, ...env } });
      servers.push(server);
      return server;
    },
    async stop(server) {
      await server.close({ keepData: true });
      servers.splice(servers.indexOf(server), 1);
    },
    track(client) {
      clients.push(client);
      return client;
    },
  };
}
