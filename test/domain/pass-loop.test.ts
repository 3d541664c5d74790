// The pass loop keeps exactly the timer of its latest look, even when a wake lands
// while it is still working out the delay (an older, longer delay must not win).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassLoop } from '../../src/domain/pass-loop.ts';
import { FakeClock, flush } from '../helpers/fake-clock.ts';

describe('pass loop', () => {
  it('drops a delay computed before a wake that came while it was being computed', async () => {
    const clock = new FakeClock(0);
    let passes = 0;
    let release: (() => void) | null = null;
    const delays = [1000, 100];
    const loop = new PassLoop({
      clock,
      pass: async () => {
        passes++;
      },
      nextDelay: async () => {
        const delay = delays.shift() ?? 10_000;
        // The first look is slow: a wake arrives while it waits.
        if (delay === 1000) await new Promise<void>((resolve) => (release = resolve));
        return delay;
      },
      onError: (error) => assert.fail(String(error)),
    });
    loop.start();
    await flush();
    assert.equal(passes, 1);
    loop.wake(); // a change: pass again, then look again (100 ms)
    await flush();
    assert.equal(passes, 2);
    release!(); // the slow, older look (1000 ms) ends last
    await flush();
    assert.equal(clock.pending, 1, 'one timer armed');
    await clock.advance(150);
    assert.equal(passes, 3, 'the 100 ms timer of the latest look fired');
    await loop.stop();
  });
});
