// Misfire planning: which due fires run and which are recorded as skipped, per policy.
// The schedule fires every minute; `now` is 10:00:00 and the grace window is 10 s
// unless a test says otherwise.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFires, type MisfireOptions } from '../../src/domain/misfire.ts';
import { parseSchedule, type Schedule } from '../../src/domain/schedule.ts';

const everyMinute = parseSchedule('* * * * *');
const now = Date.parse('2026-01-05T10:00:00Z');
const minute = 60_000;
const minutesAgo = (count: number) => now - count * minute;

function options(overrides: Partial<MisfireOptions> = {}): MisfireOptions {
  return { policy: 'run_once', graceMs: 10_000, runAllCap: 100, maxDue: 1000, ...overrides };
}

function countingNext(schedule: Schedule): { schedule: Schedule; calls: () => number } {
  let calls = 0;
  return {
    schedule: { expression: schedule.expression, timezone: schedule.timezone, next: (after) => (calls++, schedule.next(after)), previous: (atOrBefore, count) => schedule.previous(atOrBefore, count) },
    calls: () => calls,
  };
}

describe('on-time fires', () => {
  for (const policy of ['skip', 'run_once', 'run_all'] as const) {
    it(`a fire due right now runs under ${policy}`, () => {
      const plan = planFires(everyMinute, now, now, options({ policy }));
      assert.deepEqual(plan.run, [now]);
      assert.deepEqual(plan.skip, []);
    });
  }

  it('a fire exactly at the end of the grace window is still on time', () => {
    const fire = now - 10_000;
    const schedule: Schedule = { expression: 'test', timezone: 'UTC', next: (after) => (after < fire ? fire : after + minute), previous: () => [] };
    const plan = planFires(schedule, fire, now, options({ policy: 'skip' }));
    assert.deepEqual(plan.run, [fire]);
    assert.deepEqual(plan.skip, []);
  });

  it('a fire one millisecond past the grace window is late', () => {
    const fire = now - 10_001;
    const schedule: Schedule = { expression: 'test', timezone: 'UTC', next: (after) => (after < fire ? fire : after + minute), previous: () => [] };
    const plan = planFires(schedule, fire, now, options({ policy: 'skip' }));
    assert.deepEqual(plan.run, []);
    assert.deepEqual(plan.skip, [fire]);
  });

  it('with a zero grace window only a fire at exactly now is on time', () => {
    const plan = planFires(everyMinute, minutesAgo(1), now, options({ policy: 'skip', graceMs: 0 }));
    assert.deepEqual(plan.run, [now]);
    assert.deepEqual(plan.skip, [minutesAgo(1)]);
  });

  it('nothing is due when the first fire is still in the future', () => {
    const plan = planFires(everyMinute, now + minute, now, options());
    assert.deepEqual(plan, { run: [], skip: [], next: now + minute, truncated: false });
  });
});

describe('late fires under skip', () => {
  it('every late fire is recorded as skipped and none runs', () => {
    const plan = planFires(everyMinute, minutesAgo(3), now - 30_000, options({ policy: 'skip' }));
    assert.deepEqual(plan.run, []);
    assert.deepEqual(plan.skip, [minutesAgo(3), minutesAgo(2), minutesAgo(1)]);
  });

  it('the on-time fire still runs next to the skipped late ones', () => {
    const plan = planFires(everyMinute, minutesAgo(3), now, options({ policy: 'skip' }));
    assert.deepEqual(plan.run, [now]);
    assert.deepEqual(plan.skip, [minutesAgo(3), minutesAgo(2), minutesAgo(1)]);
  });
});

describe('late fires under run_once', () => {
  it('a fire missed while no leader ran is executed once, the most recent one', () => {
    const plan = planFires(everyMinute, minutesAgo(3), now - 30_000, options({ policy: 'run_once' }));
    assert.deepEqual(plan.run, [minutesAgo(1)]);
    assert.deepEqual(plan.skip, [minutesAgo(3), minutesAgo(2)]);
  });

  it('a single missed fire runs', () => {
    const plan = planFires(everyMinute, minutesAgo(1), now - 30_000, options({ policy: 'run_once' }));
    assert.deepEqual(plan.run, [minutesAgo(1)]);
    assert.deepEqual(plan.skip, []);
  });

  it('no late fire runs when an on-time fire already runs', () => {
    const plan = planFires(everyMinute, minutesAgo(3), now, options({ policy: 'run_once' }));
    assert.deepEqual(plan.run, [now]);
    assert.deepEqual(plan.skip, [minutesAgo(3), minutesAgo(2), minutesAgo(1)]);
  });
});

describe('late fires under run_all', () => {
  it('every late fire runs in order when they fit under the cap', () => {
    const plan = planFires(everyMinute, minutesAgo(3), now - 30_000, options({ policy: 'run_all', runAllCap: 5 }));
    assert.deepEqual(plan.run, [minutesAgo(3), minutesAgo(2), minutesAgo(1)]);
    assert.deepEqual(plan.skip, []);
  });

  it('only the most recent late fires up to the cap run; the older ones are skipped', () => {
    const plan = planFires(everyMinute, minutesAgo(5), now - 30_000, options({ policy: 'run_all', runAllCap: 2 }));
    assert.deepEqual(plan.run, [minutesAgo(2), minutesAgo(1)]);
    assert.deepEqual(plan.skip, [minutesAgo(5), minutesAgo(4), minutesAgo(3)]);
  });

  it('late fires run before the on-time fire', () => {
    const plan = planFires(everyMinute, minutesAgo(2), now, options({ policy: 'run_all', runAllCap: 5 }));
    assert.deepEqual(plan.run, [minutesAgo(2), minutesAgo(1), now]);
    assert.deepEqual(plan.skip, []);
  });

  it('a cap of zero skips every late fire', () => {
    const plan = planFires(everyMinute, minutesAgo(2), now - 30_000, options({ policy: 'run_all', runAllCap: 0 }));
    assert.deepEqual(plan.run, []);
    assert.deepEqual(plan.skip, [minutesAgo(2), minutesAgo(1)]);
  });
});

describe('the next fire', () => {
  it('is the first fire strictly after now when a fire falls exactly on now', () => {
    assert.equal(planFires(everyMinute, minutesAgo(3), now, options()).next, now + minute);
  });

  it('is the first fire after now when now falls between fires', () => {
    assert.equal(planFires(everyMinute, minutesAgo(3), now - 30_000, options()).next, now);
  });

  it('is null when the schedule has ended', () => {
    const once: Schedule = { expression: 'test', timezone: 'UTC', next: () => null, previous: () => [] };
    const plan = planFires(once, minutesAgo(1), now, options({ policy: 'run_once' }));
    assert.deepEqual(plan, { run: [minutesAgo(1)], skip: [], next: null, truncated: false });
  });
});

describe('truncation after a long outage', () => {
  it('is not reported when the due fires fit under maxDue', () => {
    assert.equal(planFires(everyMinute, minutesAgo(4), now, options({ maxDue: 5 })).truncated, false);
  });

  it('keeps the most recent maxDue fires and reports the rest as truncated', () => {
    const plan = planFires(everyMinute, minutesAgo(9), now, options({ policy: 'skip', maxDue: 3 }));
    assert.equal(plan.truncated, true);
    assert.deepEqual(plan.run, [now]);
    assert.deepEqual(plan.skip, [minutesAgo(2), minutesAgo(1)]);
    assert.equal(plan.next, now + minute);
  });

  it('still runs the most recent late fire under run_once', () => {
    const plan = planFires(everyMinute, minutesAgo(9), now - 30_000, options({ policy: 'run_once', maxDue: 3 }));
    assert.equal(plan.truncated, true);
    assert.deepEqual(plan.run, [minutesAgo(1)]);
    assert.deepEqual(plan.skip, [minutesAgo(3), minutesAgo(2)]);
  });

  // 1 day of a per-second job with maxDue 100: walking forward would be 86,401 calls.
  it('enumerates at most about maxDue fires however long the outage was', () => {
    const { schedule, calls } = countingNext(parseSchedule('@every 1s'));
    const plan = planFires(schedule, now - 86_400_000, now, options({ policy: 'run_once', maxDue: 100 }));
    assert.equal(plan.truncated, true);
    assert.ok(calls() <= 100 + 2, `schedule.next() was called ${calls()} times for maxDue 100`);
  });
});
