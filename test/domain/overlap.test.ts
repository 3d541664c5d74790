// Overlap rules (domain/overlap.ts): what each execution mode decides when a new run of
// a task meets one still active, at the fire's instant and at dispatch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decidedAtInstant, decideFires, holdsTurn, TaskTurns, waitsForTurn, type ActiveRun } from '../../src/domain/overlap.ts';
import { executionModes } from '../../src/domain/task.ts';

const running = (id: string, trigger: ActiveRun['trigger'] = 'schedule'): ActiveRun => ({ id, taskId: 'task', status: 'running', trigger });

describe('overlap at the fire', () => {
  it('parallel and sequential record every due fire as a run and replace nothing', () => {
    for (const mode of ['parallel', 'sequential'] as const) {
      assert.deepEqual(decideFires(mode, [1, 2], [running('a')]), { run: [1, 2], skipped: [], replaced: [] });
    }
  });

  it('skip runs the first fire when nothing is active and skips the ones that meet it', () => {
    assert.deepEqual(decideFires('skip', [1, 2, 3], []), { run: [1], skipped: [2, 3], replaced: [] });
  });

  it('skip skips every fire while a run is active, a manual one included', () => {
    assert.deepEqual(decideFires('skip', [1, 2], [running('a', 'manual')]), { run: [], skipped: [1, 2], replaced: [] });
  });

  it('replace runs the fire and replaces every active run', () => {
    const pending: ActiveRun = { ...running('b'), status: 'pending' };
    assert.deepEqual(decideFires('replace', [1], [running('a'), pending]), { run: [1], skipped: [], replaced: ['a', 'b'] });
  });

  it('replace replaces nothing when no fire is due', () => {
    assert.deepEqual(decideFires('replace', [], [running('a')]), { run: [], skipped: [], replaced: [] });
  });

  it('only skip and replace are decided at the instant (their fires are not recorded ahead)', () => {
    assert.deepEqual(executionModes.filter(decidedAtInstant), ['skip', 'replace']);
  });
});

describe('overlap at dispatch (sequential)', () => {
  it('only a sequential run that was not triggered by hand takes a turn', () => {
    assert.equal(waitsForTurn('sequential', 'schedule'), true);
    assert.equal(waitsForTurn('sequential', 'retry'), true);
    assert.equal(waitsForTurn('sequential', 'manual'), false);
    for (const mode of ['parallel', 'skip', 'replace'] as const) assert.equal(waitsForTurn(mode, 'schedule'), false);
  });

  it('a running run holds the queue, unless it was triggered by hand; a pending one does not', () => {
    assert.equal(holdsTurn(running('a')), true);
    assert.equal(holdsTurn(running('a', 'manual')), false);
    assert.equal(holdsTurn({ ...running('a'), status: 'pending' }), false);
  });

  it('a run waits while its task runs another, and so does every later one', () => {
    const turns = new TaskTurns([running('a')]);
    assert.equal(turns.mustWait('sequential', { taskId: 'task', trigger: 'schedule' }), true);
    assert.equal(turns.mustWait('sequential', { taskId: 'task', trigger: 'retry' }), true);
    assert.equal(turns.mustWait('sequential', { taskId: 'other', trigger: 'schedule' }), false);
  });

  it('a manual trigger bypasses the queue, and a running manual run does not hold it', () => {
    const turns = new TaskTurns([running('a', 'manual')]);
    assert.equal(turns.mustWait('sequential', { taskId: 'task', trigger: 'schedule' }), false);
    const held = new TaskTurns([running('b')]);
    assert.equal(held.mustWait('sequential', { taskId: 'task', trigger: 'manual' }), false);
  });

  it('the first waiting run takes the turn; runs behind it wait in the same pass', () => {
    const turns = new TaskTurns([]);
    const run = { taskId: 'task', trigger: 'schedule' as const };
    assert.equal(turns.mustWait('sequential', run), false);
    turns.routed('sequential', run);
    assert.equal(turns.mustWait('sequential', run), true);
  });

  it('a run that could not be routed keeps later runs of its task waiting (order is kept)', () => {
    const turns = new TaskTurns([]);
    const run = { taskId: 'task', trigger: 'schedule' as const };
    assert.equal(turns.mustWait('sequential', run), false);
    turns.stayed('sequential', run);
    assert.equal(turns.mustWait('sequential', run), true);
  });

  it('other modes never wait', () => {
    const turns = new TaskTurns([running('a')]);
    for (const mode of ['parallel', 'skip', 'replace'] as const) assert.equal(turns.mustWait(mode, { taskId: 'task', trigger: 'schedule' }), false);
  });
});
