// The wake-up wiring of one instance: who is woken, and when another instance (the leader)
// must be told through the database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Wakeups } from '../../src/server/wakeups.ts';
import type { Channel, Signals } from '../../src/store/signals.ts';

function fakeSignals() {
  const notified: Channel[] = [];
  const listeners = new Map<Channel, () => void>();
  const signals: Signals = {
    pushes: true,
    notify: async (channel) => void notified.push(channel),
    listen: (channel, callback) => void listeners.set(channel, callback),
    close: async () => {},
  };
  return { signals, notified, listeners };
}

function targets(isLeader: boolean) {
  const woken: string[] = [];
  return {
    woken,
    dispatcher: { wake: () => void woken.push('dispatcher') },
    scheduler: { isLeader, wake: () => void woken.push('scheduler') },
    delivery: { wake: () => void woken.push('delivery') },
  };
}

describe('wake-ups', () => {
  it('before the woken components are connected, a wake-up is dropped (nothing runs yet)', () => {
    const { signals, notified } = fakeSignals();
    const wakeups = new Wakeups(signals);
    wakeups.workAdded();
    wakeups.scheduleChanged();
    wakeups.redeliver();
    assert.deepEqual(notified, []);
  });

  it('on the leader, new work wakes its dispatcher and a schedule change its scheduler, without a database signal', () => {
    const { signals, notified } = fakeSignals();
    const wakeups = new Wakeups(signals);
    const parts = targets(true);
    wakeups.connect(parts);
    const { workAdded, scheduleChanged, redeliver } = wakeups; // handed out as plain callbacks
    workAdded();
    scheduleChanged();
    redeliver();
    assert.deepEqual(parts.woken, ['dispatcher', 'scheduler', 'delivery']);
    assert.deepEqual(notified, []);
  });

  it('on a follower, new work and schedule changes are also signalled to the leader through the database', () => {
    const { signals, notified } = fakeSignals();
    const wakeups = new Wakeups(signals);
    wakeups.connect(targets(false));
    wakeups.workAdded();
    wakeups.scheduleChanged();
    assert.deepEqual(notified, ['cronfleet_dispatch', 'cronfleet_dispatch']);
  });

  it("another instance's dispatch signal wakes this instance's dispatcher and scheduler", () => {
    const { signals, listeners } = fakeSignals();
    const wakeups = new Wakeups(signals);
    const parts = targets(true);
    wakeups.connect(parts);
    listeners.get('cronfleet_dispatch')!();
    assert.deepEqual(parts.woken, ['dispatcher', 'scheduler']);
  });
});
