// Alerting on the leader: every second, record what happened (evaluator.ts), then send
// what is due (sender.ts). Started when this instance becomes leader, stopped when it
// stops being one; what one leader recorded and did not send, the next one sends.
// Every instance also watches the leader lease (no_leader): with no leader for longer
// than a lease TTL it records the alert and sends it itself, since no leader will.
import type { Clock } from '../domain/clock.ts';
import { PassLoop } from '../domain/pass-loop.ts';
import type { Store } from '../store/store.ts';
import type { Sealer } from './channel-config.ts';
import { AlertEvaluator } from './evaluator.ts';
import { AlertSender, type AlertSenderOptions } from './sender.ts';

const PASS_INTERVAL_MS = 1000;
const LEASE_WATCH_INTERVAL_MS = 2000;

export interface LeaderLeaseView {
  /** The lease as stored (null: never taken) and whether it is valid by the database's clock. */
  read(): Promise<{ lease: { token: number; expiresAt: number } | null; valid: boolean }>;
  ttlMs: number;
}

export class Alerting {
  readonly evaluator: AlertEvaluator;
  readonly sender: AlertSender;
  readonly #loop: PassLoop;
  readonly #watch: PassLoop;
  /** performance.now() when this instance first saw no valid lease; null while there is one. */
  #leaderlessSince: number | null = null;

  constructor(store: Store, clock: Clock, secrets: Sealer, options: AlertSenderOptions & { leaderLease: LeaderLeaseView }, onError: (error: unknown) => void) {
    this.evaluator = new AlertEvaluator(store, clock);
    this.sender = new AlertSender(store, clock, secrets, options);
    this.#loop = new PassLoop({
      clock,
      pass: async () => {
        await this.evaluator.pass();
        await this.sender.pass();
      },
      nextDelay: async () => PASS_INTERVAL_MS,
      onError,
    });
    this.#watch = new PassLoop({ clock, pass: () => this.#watchLeader(options.leaderLease), nextDelay: async () => LEASE_WATCH_INTERVAL_MS, onError });
  }

  /** Watches the leader lease, on every instance, from start to close. */
  watchLeader(): void {
    this.#watch.start();
  }

  async #watchLeader(view: LeaderLeaseView): Promise<void> {
    const { lease, valid } = await view.read();
    if (valid) {
      this.#leaderlessSince = null;
      await this.evaluator.leadership(lease, false);
      return;
    }
    this.#leaderlessSince ??= performance.now();
    if (performance.now() - this.#leaderlessSince <= view.ttlMs) return;
    await this.evaluator.leadership(lease, true);
    await this.sender.pass();
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Stops everything (server close). */
  async close(): Promise<void> {
    await this.#watch.stop();
    await this.#loop.stop();
  }

  /** Runs a pass now (tests; a rule just changed). */
  wake(): void {
    this.#loop.wake();
  }

  settled(): Promise<void> {
    return this.#loop.settled();
  }
}
