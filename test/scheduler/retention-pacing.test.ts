// History retention's pacing (issue 15): between two batches the cleanup pauses at least
// its configured pause, longer after a slow batch, and starts the next batch in the quiet
// part of a second, away from the whole seconds cron fires are due on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { delayBeforeNextBatch } from '../../src/scheduler/retention-cleanup.ts';

const SECOND = Date.parse('2026-12-03T08:00:00.000Z');
const startsAt = (now: number, delay: number) => (now + delay) % 1000;

describe('the pause between two cleanup batches', () => {
  it('is the configured pause when the batch was quick and the pause ends in the quiet part of a second', () => {
    assert.equal(delayBeforeNextBatch(5, SECOND + 400, 50), 50);
  });

  it('grows with a slow batch: three times as long as the batch took', () => {
    assert.equal(delayBeforeNextBatch(100, SECOND + 300, 50), 300);
  });

  it('never lets the next batch start just before or just after a whole second', () => {
    for (let offset = 0; offset < 1000; offset += 7) {
      for (const worked of [0, 10, 40, 120]) {
        const delay = delayBeforeNextBatch(worked, SECOND + offset, 50);
        assert.ok(delay >= Math.max(50, worked * 3), `offset ${offset}, worked ${worked}: ${delay}`);
        const into = startsAt(SECOND + offset, delay);
        assert.ok(into >= 300 && into <= 800, `offset ${offset}, worked ${worked}: starts ${into} ms into a second`);
      }
    }
  });

  it('waits into the next second rather than starting close to it', () => {
    assert.equal(startsAt(SECOND + 780, delayBeforeNextBatch(0, SECOND + 780, 50)), 300);
    assert.equal(delayBeforeNextBatch(0, SECOND + 780, 50), 520);
  });
});
