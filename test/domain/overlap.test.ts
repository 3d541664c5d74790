// Overlap rules (domain/overlap.ts): what each execution mode decides when a new run of
// a task meets one still active, at the fire's instant and at dispatch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decidedAtInstant, decideFires, holdsTurn, TaskTurns, waitsForTurn, type ActiveRun } from '../../src/domain/overlap.ts';
import { executionModes } from '../../src/domain/task.ts';

const running = (id: string, trigger: ActiveRun['trigger'] = 'schedule'): ActiveRun => ({ id, taskId: 'task', status: 'running', trigger });

const pending = (id: string, trigger: ActiveRun['trigger'] = 'schedule'): ActiveRun => ({ id, taskId: 'task', status: 'pending', trigger });
const none = { run: [], skipped: [], replaced: [], dropped: [] };

describe('overlap at the fire', () => {
  it('parallel records every due fire as a run and replaces nothing', () => {
    assert.deepEqual(decideFires('parallel', [1, 2], [running('a')]), { ...none, run: [1, 2] });
  });

  for (const mode of ['sequential', 'skip'] as const) {
    it(`${mode} runs the first fire when nothing is active and skips the ones that meet it`, () => {
      assert.deepEqual(decideFires(mode, [1, 2, 3], []), { ...none, run: [1], skipped: [2, 3] });
    });

    it(`${mode} skips every fire while a run is running or pending, a manual or retry one included`, () => {
      for (const active of [running('a'), pending('a'), running('a', 'manual'), pending('a', 'retry')]) {
        assert.deepEqual(decideFires(mode, [1, 2], [active]), { ...none, skipped: [1, 2] });
      }
    });
  }

  it('replace runs the fire and replaces every active run', () => {
    assert.deepEqual(decideFires('replace', [1], [running('a'), pending('b')]), { ...none, run: [1], replaced: ['a', 'b'] });
  });

  it('replace replaces nothing when no fire is due', () => {
    assert.deepEqual(decideFires('replace', [], [running('a')]), none);
  });

  it('every mode but parallel is decided at the instant (its fires are not recorded ahead)', () => {
    assert.deepEqual(executionModes.filter(decidedAtInstant), ['sequential', 'queue', 'skip', 'replace']);
  });
});

describe('queue at the fire: at most max_queued fires wait', () => {
  it('a fire queues behind a running run while there is room', () => {
    assert.deepEqual(decideFires('queue', [1], [running('a')], 1), { ...none, run: [1] });
    assert.deepEqual(decideFires('queue', [2], [running('a'), pending('b')], 2), { ...none, run: [2] });
  });

  it('a full queue drops its oldest waiting fire for the new one', () => {
    assert.deepEqual(decideFires('queue', [3], [running('a'), pending('b')], 1), { ...none, run: [3], dropped: ['b'] });
    assert.deepEqual(decideFires('queue', [4], [running('a'), pending('b'), pending('c')], 1), { ...none, run: [4], dropped: ['b', 'c'] });
  });

  it('several fires due at once keep only the newest max_queued', () => {
    assert.deepEqual(decideFires('queue', [1, 2, 3], [running('a')], 2), { ...none, run: [2, 3], skipped: [1] });
  });

  it('with nothing running, the first in line is taking its turn, not waiting', () => {
    assert.deepEqual(decideFires('queue', [1, 2], [], 1), { ...none, run: [1, 2] });
    assert.deepEqual(decideFires('queue', [2], [pending('a')], 1), { ...none, run: [2] });
    assert.deepEqual(decideFires('queue', [3], [pending('a'), pending('b')], 1), { ...none, run: [3], dropped: ['b'] });
  });

  it('retries wait in line but are never dropped; manual runs are not in line', () => {
    assert.deepEqual(decideFires('queue', [2], [running('a'), pending('r', 'retry')], 1), { ...none, skipped: [2] });
    assert.deepEqual(decideFires('queue', [2], [running('m', 'manual'), pending('m2', 'manual')], 1), { ...none, run: [2] });
  });
});

describe('overlap at dispatch (queue)', () => {
  it("only a queue task's run that was not triggered by hand takes a turn", () => {
    assert.equal(waitsForTurn('queue', 'schedule'), true);
    assert.equal(waitsForTurn('queue', 'retry'), true);
    assert.equal(waitsForTurn('queue', 'manual'), false);
    for (const mode of ['parallel', 'sequential', 'skip', 'replace'] as const) assert.equal(waitsForTurn(mode, 'schedule'), false);
  });

  it('a running run holds the queue, unless it was triggered by hand; a pending one does not', () => {
    assert.equal(holdsTurn(running('a')), true);
    assert.equal(holdsTurn(running('a', 'manual')), false);
    assert.equal(holdsTurn({ ...running('a'), status: 'pending' }), false);
  });

  it('a run waits while its task runs another, and so does every later one', () => {
    const turns = new TaskTurns([running('a')]);
    assert.equal(turns.mustWait('queue', { taskId: 'task', trigger: 'schedule' }), true);
    assert.equal(turns.mustWait('queue', { taskId: 'task', trigger: 'retry' }), true);
    assert.equal(turns.mustWait('queue', { taskId: 'other', trigger: 'schedule' }), false);
  });

  it('a manual trigger bypasses the queue, and a running manual run does not hold it', () => {
    const turns = new TaskTurns([running('a', 'manual')]);
    assert.equal(turns.mustWait('queue', { taskId: 'task', trigger: 'schedule' }), false);
    const held = new TaskTurns([running('b')]);
    assert.equal(held.mustWait('queue', { taskId: 'task', trigger: 'manual' }), false);
  });

  it('the first waiting run takes the turn; runs behind it wait in the same pass', () => {
    const turns = new TaskTurns([]);
    const run = { taskId: 'task', trigger: 'schedule' as const };
    assert.equal(turns.mustWait('queue', run), false);
    turns.routed('queue', run);
    assert.equal(turns.mustWait('queue', run), true);
  });

  it('a run that could not be routed keeps later runs of its task waiting (order is kept)', () => {
    const turns = new TaskTurns([]);
    const run = { taskId: 'task', trigger: 'schedule' as const };
    assert.equal(turns.mustWait('queue', run), false);
    turns.stayed('queue', run);
    assert.equal(turns.mustWait('queue', run), true);
  });

  it('other modes never wait', () => {
    const turns = new TaskTurns([running('a')]);
    for (const mode of ['parallel', 'sequential', 'skip', 'replace'] as const) assert.equal(turns.mustWait(mode, { taskId: 'task', trigger: 'schedule' }), false);
  });
});
