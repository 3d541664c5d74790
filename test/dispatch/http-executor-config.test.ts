// The configuration keys of HTTP executors: the public URL they call back on and the
// health-check cadence (seed 001 §7.2's health_check block, flattened).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.ts';

describe('HTTP executor configuration', () => {
  it("defaults to seed 001's health checks and a public URL derived from the listen address", () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.publicUrl, null);
    assert.equal(config.healthCheckIntervalSeconds, 30);
    assert.equal(config.healthCheckTimeoutSeconds, 10);
    assert.equal(config.healthCheckFailureThreshold, 3);
    assert.equal(config.healthCheckRecoveryThreshold, 2);
  });

  it('accepts a fractional interval and a public URL, without its trailing slash', () => {
    const config = loadConfig({ env: { CRONFLEET_HEALTH_CHECK_INTERVAL_SECONDS: '0.2', CRONFLEET_HEALTH_CHECK_TIMEOUT_SECONDS: '2.5', CRONFLEET_PUBLIC_URL: 'https://cron.example.com/' } });
    assert.equal(config.healthCheckIntervalSeconds, 0.2);
    assert.equal(config.healthCheckTimeoutSeconds, 2.5);
    assert.equal(config.publicUrl, 'https://cron.example.com');
  });

  it('names the key of a bad value', () => {
    assert.throws(() => loadConfig({ env: { CRONFLEET_PUBLIC_URL: 'cron.example.com' } }), /public_url.*CRONFLEET_PUBLIC_URL/);
    assert.throws(() => loadConfig({ env: { CRONFLEET_HEALTH_CHECK_FAILURE_THRESHOLD: '2.5' } }), /health_check_failure_threshold/);
    assert.throws(() => loadConfig({ env: { CRONFLEET_HEALTH_CHECK_INTERVAL_SECONDS: '0' } }), /health_check_interval_seconds/);
    assert.throws(() => loadConfig({ env: { CRONFLEET_HEALTH_CHECK_TIMEOUT_SECONDS: 'soon' } }), /health_check_timeout_seconds/);
  });
});
