// Who wakes whom when work appears. Every loop finds its work by polling the database
// anyway; a wake-up only cuts the wait. Work for the leader may appear on any instance
// (an agent's report, an API trigger), so a wake-up that the leader must see goes through
// the database (store signals) when this instance does not lead.
//
// The components that wake are built before the ones they wake (the gateway before the
// dispatcher), so the woken ones are connected afterwards; until then nothing runs and a
// wake-up has nothing to wake.
import type { Signals } from '../store/signals.ts';

export interface WakeupTargets {
  /** Pending work: runs a dispatch pass soon. */
  dispatcher: { wake(): void };
  /** Schedules: re-plans the next fires (leader only). */
  scheduler: { wake(): void; readonly isLeader: boolean };
  /** Routed work waiting for a link held by this instance. */
  delivery: { wake(): void };
}

export class Wakeups {
  readonly #signals: Signals;
  #targets: WakeupTargets | null = null;

  constructor(signals: Signals) {
    this.#signals = signals;
  }

  /** Once, when the woken components exist; also wakes them on another instance's signal. */
  connect(targets: WakeupTargets): void {
    this.#targets = targets;
    this.#signals.listen('cronfleet_dispatch', () => {
      targets.dispatcher.wake();
      targets.scheduler.wake();
    });
  }

  // Arrow properties: handed to other components as plain callbacks (`wake`, `workAdded`).

  /** New work for the dispatcher (a trigger, a finished run, a retry, a freed executor). */
  readonly workAdded = (): void => {
    if (!this.#targets) return;
    this.#targets.dispatcher.wake();
    this.#notifyLeader();
  };

  /** A task was created, changed, paused or deleted: the leader plans its fires again. */
  readonly scheduleChanged = (): void => {
    if (!this.#targets) return;
    this.#targets.scheduler.wake();
    this.#notifyLeader();
  };

  /** A link was attached here: work routed to its executor can be delivered now. */
  readonly redeliver = (): void => {
    this.#targets?.delivery.wake();
  };

  #notifyLeader(): void {
    if (!this.#targets?.scheduler.isLeader) void this.#signals.notify('cronfleet_dispatch');
  }
}
