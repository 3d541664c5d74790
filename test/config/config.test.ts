import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';

describe('configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cronfleet-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('has documented defaults', () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.match(config.database, /^sqlite:.*data\/cronfleet\.db$/);
    assert.equal(config.localExecutor.capacity, 8);
    assert.ok(Object.isFrozen(config));
  });

  it('takes flags over environment over file over defaults', () => {
    const path = file('precedence.yaml', 'port: 7000\nlog_level: debug\nlocal_executor:\n  capacity: 3\n');
    assert.equal(loadConfig({ file: path, env: {} }).port, 7000);
    assert.equal(loadConfig({ file: path, env: { CRONFLEET_PORT: '7100' } }).port, 7100);
    assert.equal(loadConfig({ file: path, env: { CRONFLEET_PORT: '7100' }, flags: { port: '7200' } }).port, 7200);
    const config = loadConfig({ file: path, env: { CRONFLEET_LOCAL_EXECUTOR_LABELS: 'zone=a,gpu=true' } });
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.localExecutor.capacity, 3);
    assert.deepEqual(config.localExecutor.labels, { zone: 'a', gpu: 'true' });
  });

  it('names the bad key and where it came from', () => {
    assert.throws(
      () => loadConfig({ env: { CRONFLEET_PORT: 'eighty' } }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'invalid_config');
        assert.match(error.message, /port/);
        assert.match(error.message, /CRONFLEET_PORT/);
        return true;
      },
    );
    assert.throws(() => loadConfig({ file: file('unknown.yaml', 'prot: 80\n'), env: {} }), /unknown config key 'prot'/);
    assert.throws(() => loadConfig({ file: file('nested.yaml', 'local_executor:\n  capacty: 2\n'), env: {} }), /unknown config key 'local_executor.capacty'/);
    assert.throws(() => loadConfig({ file: file('bad.yaml', 'port: [1, 2\n'), env: {} }), /not valid YAML/);
    assert.throws(() => loadConfig({ env: { CRONFLEET_LOG_LEVEL: 'loud' } }), /log_level/);
    assert.throws(() => loadConfig({ env: { CRONFLEET_LEASE_TTL_SECONDS: '1', CRONFLEET_LEASE_RENEW_SECONDS: '2' } }), /lease_renew_seconds/);
    assert.throws(() => loadConfig({ file: join(dir, 'missing.yaml'), env: {} }), /cannot read config file/);
  });

  it('has the retention defaults, and takes them from file and environment', () => {
    assert.deepEqual(loadConfig({ env: {} }).retention, { executionDays: 30, logDays: 14, auditDays: 365, executorDays: 7, cleanupIntervalSeconds: 3600 });
    const path = file('retention.yaml', 'execution_retention_days: 90\nlog_retention_days: 0\ncleanup_interval_seconds: 600\n');
    const config = loadConfig({ file: path, env: { CRONFLEET_AUDIT_RETENTION_DAYS: '730', CRONFLEET_EXECUTOR_RETENTION_DAYS: '1' } });
    assert.deepEqual(config.retention, { executionDays: 90, logDays: 0, auditDays: 730, executorDays: 1, cleanupIntervalSeconds: 600 });
    assert.ok(Object.isFrozen(config.retention));
  });

  it('refuses negative, fractional or non-numeric retention values and unknown retention keys, naming the key', () => {
    const refused = (sources: Parameters<typeof loadConfig>[0], key: string) =>
      assert.throws(
        () => loadConfig(sources),
        (error: Error & { code?: string; details?: Record<string, unknown> }) => {
          assert.equal(error.code, 'invalid_config');
          assert.match(error.message, new RegExp(key));
          return true;
        },
      );
    refused({ env: { CRONFLEET_EXECUTION_RETENTION_DAYS: '-1' } }, 'execution_retention_days');
    refused({ env: { CRONFLEET_LOG_RETENTION_DAYS: '1.5' } }, 'log_retention_days');
    refused({ env: { CRONFLEET_AUDIT_RETENTION_DAYS: 'forever' } }, 'audit_retention_days');
    refused({ env: { CRONFLEET_EXECUTOR_RETENTION_DAYS: '' } }, 'executor_retention_days');
    refused({ file: file('negative.yaml', 'execution_retention_days: -30\n'), env: {} }, 'execution_retention_days');
    refused({ env: { CRONFLEET_CLEANUP_INTERVAL_SECONDS: '0' } }, 'cleanup_interval_seconds');
    refused({ env: { CRONFLEET_CLEANUP_INTERVAL_SECONDS: '-60' } }, 'cleanup_interval_seconds');
    refused({ file: file('typo.yaml', 'execution_retention_dayz: 30\n'), env: {} }, 'execution_retention_dayz');
  });
});
