// What the layers above the store ask it instead of reaching for its Kysely handle: the
// database's clock, the cluster's secret key and who holds a lease now.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SecretCipher } from '../../src/store/secret-cipher.ts';
import { Store } from '../../src/store/store.ts';
import { removeTestData, testDatabaseUrl } from '../helpers/database.ts';

describe('the store contract', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronfleet-contract-'));
    store = await Store.open(await testDatabaseUrl(dir));
  });
  after(async () => {
    await store.close();
    await removeTestData(dir);
  });

  it('now() is the database clock in epoch milliseconds', async () => {
    const local = Date.now();
    const now = await store.now();
    // Test databases run on this machine (or are SQLite): one clock, so within a minute
    // (seconds or microseconds would be off by orders of magnitude).
    assert.ok(Number.isInteger(now) && Math.abs(now - local) < 60_000, `database time ${now} vs ${local}`);
  });

  it('assertClusterKey records the first key and refuses a different one', async () => {
    const key = new SecretCipher(Buffer.alloc(32, 1));
    await store.assertClusterKey(key, Date.now());
    await store.assertClusterKey(key, Date.now());
    await assert.rejects(store.assertClusterKey(new SecretCipher(Buffer.alloc(32, 2)), Date.now()), { code: 'invalid_config' });
  });

  it('leases.valid answers the holder while the lease runs, and null once it expired or was released', async () => {
    assert.equal(await store.leases.valid('contract-lease'), null);
    assert.ok(await store.leases.acquire('contract-lease', 'holder-a', 60_000));
    assert.equal((await store.leases.valid('contract-lease'))?.holder, 'holder-a');
    await store.leases.release('contract-lease', 'holder-a');
    assert.equal(await store.leases.valid('contract-lease'), null);
  });
});
