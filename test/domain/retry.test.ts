// Retry backoff: base * 2^(attempt-1), capped at maxSeconds, then jittered into the
// upper half [50%, 100%] of that ceiling. `random` is injected so the jitter is exact.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryDelayMs, type BackoffPolicy } from '../../src/domain/retry.ts';

const policy: BackoffPolicy = { baseSeconds: 10, maxSeconds: 600 };
const highest = () => 1 - Number.EPSILON;

/** A small deterministic generator (mulberry32) so the sweep below is reproducible. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('retry backoff', () => {
  it('the first retry waits up to the base delay', () => {
    assert.equal(retryDelayMs(policy, 1, highest), 10_000);
  });

  it('each further failure doubles the ceiling', () => {
    const ceilings = [1, 2, 3, 4, 5, 6].map((attempt) => retryDelayMs(policy, attempt, highest));
    assert.deepEqual(ceilings, [10_000, 20_000, 40_000, 80_000, 160_000, 320_000]);
  });

  it('the ceiling stops growing at maxSeconds', () => {
    assert.equal(retryDelayMs(policy, 7, highest), 600_000); // 640 s capped to 600 s
    assert.equal(retryDelayMs(policy, 30, highest), 600_000);
  });

  it('a very high attempt number still gives the capped delay, not Infinity or NaN', () => {
    assert.equal(retryDelayMs(policy, 5000, highest), 600_000);
  });

  it('an attempt number below 1 is treated as the first attempt', () => {
    assert.equal(retryDelayMs(policy, 0, highest), 10_000);
    assert.equal(retryDelayMs(policy, -3, highest), 10_000);
  });

  it('the smallest jitter waits half of the ceiling', () => {
    assert.equal(
      retryDelayMs(policy, 3, () => 0),
      20_000,
    );
  });

  it('a middling jitter waits three quarters of the ceiling', () => {
    assert.equal(
      retryDelayMs(policy, 3, () => 0.5),
      30_000,
    );
  });

  it('the jitter always stays within 50% to 100% of the ceiling', () => {
    const random = seeded(42);
    for (let attempt = 1; attempt <= 10; attempt++) {
      const ceiling = Math.min(600, 10 * 2 ** (attempt - 1)) * 1000;
      for (let draw = 0; draw < 200; draw++) {
        const delay = retryDelayMs(policy, attempt, random);
        assert.ok(delay >= ceiling / 2 && delay <= ceiling, `attempt ${attempt}: ${delay} ms outside [${ceiling / 2}, ${ceiling}]`);
      }
    }
  });

  it('with the default random source the delay also stays within the bounds', () => {
    for (let draw = 0; draw < 500; draw++) {
      const delay = retryDelayMs(policy, 2);
      assert.ok(delay >= 10_000 && delay <= 20_000, `${delay} ms outside [10000, 20000]`);
    }
  });

  it('retries of a burst of failures do not all wait the same time', () => {
    const random = seeded(7);
    const delays = new Set(Array.from({ length: 20 }, () => retryDelayMs(policy, 4, random)));
    assert.ok(delays.size > 10, `only ${delays.size} distinct delays out of 20`);
  });

  it('the delay is a whole number of milliseconds', () => {
    assert.ok(Number.isInteger(retryDelayMs({ baseSeconds: 1, maxSeconds: 60 }, 1, () => 0.123456789)));
  });
});
