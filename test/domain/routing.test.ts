// Routing: which of the eligible executors gets an execution. Candidates are already
// filtered for eligibility; the dispatcher advances `cursor` by one per assignment.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseExecutor, labelsMatch, type Candidate, type RoutingState } from '../../src/domain/routing.ts';
import type { LoadBalanceStrategy } from '../../src/domain/task.ts';

function executor(id: string, overrides: Partial<Candidate> = {}): Candidate {
  return { id, name: id, capacity: 4, running: 0, weight: 1, priority: 0, ...overrides };
}

const fresh: RoutingState = { cursor: 0, stickyExecutorId: null };

/** The executor ids chosen for `count` consecutive assignments, as the dispatcher makes them. */
function assignments(strategy: LoadBalanceStrategy, candidates: Candidate[], count: number): string[] {
  return Array.from({ length: count }, (_, cursor) => chooseExecutor(strategy, candidates, { cursor, stickyExecutorId: null })!.id);
}

describe('round_robin', () => {
  it('cycles through the executors in id order', () => {
    const candidates = [executor('b'), executor('c'), executor('a')];
    assert.deepEqual(assignments('round_robin', candidates, 7), ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('does not depend on the order the candidates are listed in', () => {
    assert.deepEqual(assignments('round_robin', [executor('c'), executor('a'), executor('b')], 3), assignments('round_robin', [executor('a'), executor('b'), executor('c')], 3));
  });

  it('ignores load', () => {
    const candidates = [executor('a', { running: 3 }), executor('b')];
    assert.equal(chooseExecutor('round_robin', candidates, fresh)!.id, 'a');
  });
});

describe('weighted_round_robin', () => {
  it('assigns executions in proportion to the weights', () => {
    const candidates = [executor('a', { weight: 3 }), executor('b', { weight: 1 })];
    const chosen = assignments('weighted_round_robin', candidates, 400);
    assert.equal(chosen.filter((id) => id === 'a').length, 300);
    assert.equal(chosen.filter((id) => id === 'b').length, 100);
  });

  it('gives every executor at least one slot per cycle, even with weight 0', () => {
    const candidates = [executor('a', { weight: 0 }), executor('b', { weight: 2 })];
    assert.deepEqual(assignments('weighted_round_robin', candidates, 6), ['a', 'b', 'b', 'a', 'b', 'b']);
  });

  it('with equal weights behaves like round_robin', () => {
    const candidates = [executor('a'), executor('b'), executor('c')];
    assert.deepEqual(assignments('weighted_round_robin', candidates, 6), assignments('round_robin', candidates, 6));
  });
});

describe('least_loaded', () => {
  it('picks the executor with the lowest share of its capacity in use', () => {
    const candidates = [executor('a', { running: 2, capacity: 4 }), executor('b', { running: 3, capacity: 10 }), executor('c', { running: 1, capacity: 2 })];
    assert.equal(chooseExecutor('least_loaded', candidates, fresh)!.id, 'b');
  });

  it('compares shares of capacity, not running counts', () => {
    const candidates = [executor('a', { running: 1, capacity: 1 }), executor('b', { running: 5, capacity: 100 })];
    assert.equal(chooseExecutor('least_loaded', candidates, fresh)!.id, 'b');
  });

  it('breaks ties by id', () => {
    const candidates = [executor('b', { running: 1 }), executor('a', { running: 1 })];
    assert.equal(chooseExecutor('least_loaded', candidates, fresh)!.id, 'a');
  });
});

describe('sticky', () => {
  it('keeps the executor the task last ran on', () => {
    const candidates = [executor('a'), executor('b'), executor('c')];
    for (let cursor = 0; cursor < 5; cursor++) assert.equal(chooseExecutor('sticky', candidates, { cursor, stickyExecutorId: 'b' })!.id, 'b');
  });

  it('keeps the executor even when another one is less loaded', () => {
    const candidates = [executor('a'), executor('b', { running: 3 })];
    assert.equal(chooseExecutor('sticky', candidates, { cursor: 0, stickyExecutorId: 'b' })!.id, 'b');
  });

  it('moves to another executor when the last one is no longer eligible', () => {
    const candidates = [executor('a'), executor('c')];
    assert.equal(chooseExecutor('sticky', candidates, { cursor: 1, stickyExecutorId: 'b' })!.id, 'c');
  });

  it('starts round-robin when the task has not run yet', () => {
    assert.equal(chooseExecutor('sticky', [executor('b'), executor('a')], fresh)!.id, 'a');
  });
});

describe('random', () => {
  const candidates = [executor('c'), executor('a'), executor('b')];

  it('maps the lowest random number to the first executor in id order', () => {
    assert.equal(chooseExecutor('random', candidates, fresh, () => 0)!.id, 'a');
  });

  it('maps a random number in the middle third to the middle executor', () => {
    assert.equal(chooseExecutor('random', candidates, fresh, () => 0.5)!.id, 'b');
  });

  it('maps the highest random number to the last executor in id order', () => {
    assert.equal(chooseExecutor('random', candidates, fresh, () => 1 - Number.EPSILON)!.id, 'c');
  });

  it('always returns one of the candidates with the default random source', () => {
    const ids = new Set(candidates.map((candidate) => candidate.id));
    for (let draw = 0; draw < 200; draw++) assert.ok(ids.has(chooseExecutor('random', candidates, fresh)!.id));
  });
});

describe('failover', () => {
  it('always picks the first executor in id order', () => {
    assert.deepEqual(assignments('failover', [executor('b'), executor('a')], 3), ['a', 'a', 'a']);
  });
});

describe('no candidates', () => {
  for (const strategy of ['round_robin', 'weighted_round_robin', 'random', 'sticky', 'least_loaded', 'failover'] as const) {
    it(`${strategy} returns null when no executor is eligible`, () => {
      assert.equal(
        chooseExecutor(strategy, [], { cursor: 3, stickyExecutorId: 'a' }, () => 0.5),
        null,
      );
    });
  }
});

describe('labelsMatch', () => {
  it('a task that asks for no labels matches any executor', () => {
    assert.equal(labelsMatch({}, { zone: 'a' }), true);
    assert.equal(labelsMatch({}, {}), true);
  });

  it('an executor carrying every required label matches, extra labels allowed', () => {
    assert.equal(labelsMatch({ zone: 'a', gpu: 'yes' }, { zone: 'a', gpu: 'yes', os: 'linux' }), true);
  });

  it('an executor with a different value for a required label does not match', () => {
    assert.equal(labelsMatch({ zone: 'a' }, { zone: 'b' }), false);
  });

  it('an executor missing a required label does not match', () => {
    assert.equal(labelsMatch({ zone: 'a', gpu: 'yes' }, { zone: 'a' }), false);
  });

  it('a required label named like an Object property does not match an executor without it', () => {
    assert.equal(labelsMatch({ constructor: 'x' }, {}), false);
  });
});

describe('consistent_hash', () => {
  const five = ['a', 'b', 'c', 'd', 'e'].map((id) => executor(id));
  const pick = (candidates: Candidate[], key: string) => chooseExecutor('consistent_hash', candidates, { cursor: 0, stickyExecutorId: null, hashKey: key })!.id;

  it('sends the same task to the same executor every time', () => {
    for (let cursor = 0; cursor < 10; cursor++) assert.equal(pick(five, 'task-1'), pick(five, 'task-1'));
  });

  it('moves only the tasks of an executor that leaves', () => {
    const keys = Array.from({ length: 200 }, (_, index) => `task-${index}`);
    const before = new Map(keys.map((key) => [key, pick(five, key)]));
    const withoutC = five.filter((candidate) => candidate.id !== 'c');
    for (const key of keys) if (before.get(key) !== 'c') assert.equal(pick(withoutC, key), before.get(key));
  });

  it('spreads tasks over every executor', () => {
    const chosen = new Set(Array.from({ length: 200 }, (_, index) => pick(five, `task-${index}`)));
    assert.equal(chosen.size, 5);
  });
});

describe('failover', () => {
  it('uses the lowest priority number first, then the next when it is gone', () => {
    const candidates = [executor('x', { name: 'primary', priority: 0 }), executor('y', { name: 'backup', priority: 1 })];
    assert.equal(chooseExecutor('failover', candidates, fresh)!.name, 'primary');
    assert.equal(chooseExecutor('failover', candidates.slice(1), fresh)!.name, 'backup');
  });
});
