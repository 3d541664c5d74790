// The pure rules of a workflow run (domain/workflow.ts): what starts, what is skipped or
// cancelled, and when the run ends, from the states of its steps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRun, findCycle, type RunPlan, type StepProgress } from '../../src/domain/workflow.ts';

const ended = (status: StepProgress['status']): StepProgress => ({ status, settled: true });
const step = (name: string, ...dependsOn: Array<[string, 'success' | 'failure' | 'complete']>) => ({ name, taskId: 't', dependsOn: dependsOn.map(([on, condition]) => ({ step: on, on: condition })) });

describe('workflow run decisions', () => {
  it('skips a whole chain behind an unmet dependency in one decision, and a complete dependency still runs', () => {
    const plan: RunPlan = { onFailure: 'continue', steps: [step('a'), step('b', ['a', 'success']), step('c', ['b', 'success']), step('d', ['c', 'complete'])] };
    const decision = decideRun(plan, new Map([['a', ended('failed')]]));
    assert.deepEqual(
      decision.skip.map((skip) => [skip.step, skip.upstream]),
      [
        ['b', 'a'],
        ['c', 'b'],
      ],
    );
    assert.deepEqual(decision.start, ['d'], 'complete is met by a skipped step too');
    assert.equal(decision.outcome, null, 'd has not run yet');
  });

  it('waits for a step whose retry is coming, and ends the run only when every step ended', () => {
    const plan: RunPlan = { onFailure: 'stop', steps: [step('a'), step('b', ['a', 'success'])] };
    assert.deepEqual(decideRun(plan, new Map([['a', { status: 'failed', settled: false }]])), { start: [], skip: [], cancel: [], outcome: null });
    assert.deepEqual(decideRun(plan, new Map([['a', ended('success')]])).start, ['b']);
    assert.equal(
      decideRun(
        plan,
        new Map([
          ['a', ended('success')],
          ['b', ended('success')],
        ]),
      ).outcome,
      'success',
    );
  });

  it('stops on a failure nothing handles, but not on one a failure step handles', () => {
    const unhandled: RunPlan = { onFailure: 'stop', steps: [step('a'), step('slow'), step('after', ['slow', 'success'])] };
    const stopped = decideRun(
      unhandled,
      new Map([
        ['a', ended('timeout')],
        ['slow', { status: 'running', settled: false }],
      ]),
    );
    assert.deepEqual(stopped.cancel, [{ step: 'after', failed: 'a' }]);
    assert.equal(stopped.outcome, null, 'slow still runs');
    const handled: RunPlan = { onFailure: 'stop', steps: [step('a'), step('fix', ['a', 'failure']), step('other')] };
    const decision = decideRun(handled, new Map([['a', ended('failed')]]));
    assert.deepEqual(decision.cancel, []);
    assert.deepEqual(decision.start, ['fix', 'other']);
  });

  it('finds a cycle as the names along it', () => {
    assert.deepEqual(findCycle([step('a', ['b', 'success']), step('b', ['a', 'success'])]), ['a', 'b', 'a']);
    assert.equal(findCycle([step('a'), step('b', ['a', 'success'])]), null);
  });
});
