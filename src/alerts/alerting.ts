// Alerting on the leader: every second, record what happened (evaluator.ts), then send
// what is due (sender.ts). Started when this instance becomes leader, stopped when it
// stops being one; what one leader recorded and did not send, the next one sends.
import type { Clock } from '../domain/clock.ts';
import { PassLoop } from '../domain/pass-loop.ts';
import type { Store } from '../store/store.ts';
import type { Sealer } from './channel-config.ts';
import { AlertEvaluator } from './evaluator.ts';
import { AlertSender, type AlertSenderOptions } from './sender.ts';

const PASS_INTERVAL_MS = 1000;

export class Alerting {
  readonly evaluator: AlertEvaluator;
  readonly sender: AlertSender;
  readonly #loop: PassLoop;

  constructor(store: Store, clock: Clock, secrets: Sealer, options: AlertSenderOptions, onError: (error: unknown) => void) {
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
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** Runs a pass now (tests; a rule just changed). */
  wake(): void {
    this.#loop.wake();
  }

  settled(): Promise<void> {
    return this.#loop.settled();
  }
}
