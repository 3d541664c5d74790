// Health checks of HTTP executors (seed 001 §4.2.2), run by the leader: every interval
// a GET of each executor's health_check_url. `failureThreshold` failures in a row make
// it unhealthy (the dispatcher skips it), `recoveryThreshold` successes in a row make it
// healthy again. Any 2xx answer within the timeout is a success.
//
// An executor is also checked right after it registers (seed 001 §4.2.1: "start health
// checks immediately after registration"), by the instance that took the registration
// (`checkNow`), not at the leader's next round. Thresholds smooth out flapping in a
// record; a record that has none yet (never checked: a new registration or a new
// health_check_url) takes the first answer as its verdict, so an executor registered
// with a dead endpoint is unhealthy at once, not after three rounds. That one check may
// race a leader's round: each answer is judged against the record as it stands when the
// answer comes back (one read), never against the one read before a probe that may take
// the whole timeout.
//
// Consecutive failures are kept in the database (health_check_failures); consecutive
// successes only matter while unhealthy and are kept here: a new leader starts counting
// them afresh, which at worst delays a recovery by a few checks.
import type { Clock, TimerHandle } from '../domain/clock.ts';
import type { Executor } from '../store/executors.ts';
import type { Store } from '../store/store.ts';
import { TypedEmitter } from './events.ts';

export interface HealthCheckDeps {
  store: Store;
  clock: Clock;
  /** Called when an executor becomes healthy: waiting work may go there now. */
  wake(): void;
}

export interface HealthCheckOptions {
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  recoveryThreshold: number;
}

export interface HealthEvents {
  'health.checked': { executorId: string; ok: boolean; healthy: boolean; failures: number };
}

export interface HealthCheckHooks {
  /** Called with every HTTP executor at the start of each round. */
  beforeRound(executors: Executor[]): void;
  onError(error: unknown): void;
}

export class HealthChecks {
  readonly events = new TypedEmitter<HealthEvents>();
  readonly #deps: HealthCheckDeps;
  readonly #options: HealthCheckOptions;
  readonly #hooks: HealthCheckHooks;
  readonly #successes = new Map<string, number>();
  #timer: TimerHandle | null = null;
  #active: AbortController | null = null;
  #idle: Promise<void> = Promise.resolve();

  constructor(deps: HealthCheckDeps, options: HealthCheckOptions, hooks: HealthCheckHooks) {
    this.#deps = deps;
    this.#options = options;
    this.#hooks = hooks;
  }

  start(): void {
    if (this.#active) return;
    this.#active = new AbortController();
    this.#successes.clear();
    this.#schedule(0, this.#active.signal);
  }

  /**
   * Checks one executor now, on any instance, whether or not rounds run here; `signal`
   * (the owner's shutdown) abandons it. Never rejects: a failure goes to onError.
   */
  async checkNow(executor: Executor, signal: AbortSignal): Promise<void> {
    if (executor.healthCheckUrl === null) return;
    try {
      await this.#check(executor, signal);
    } catch (error) {
      this.#hooks.onError(error);
    }
  }

  /** A removed executor: its count of successes goes. */
  forget(executorId: string): void {
    this.#successes.delete(executorId);
  }

  /** Cancels the timer and any check under way; resolves once the round has ended. Idempotent. */
  async stop(): Promise<void> {
    this.#active?.abort();
    this.#active = null;
    this.#timer?.cancel();
    this.#timer = null;
    await this.#idle;
  }

  #schedule(delayMs: number, signal: AbortSignal): void {
    this.#timer = this.#deps.clock.setTimer(delayMs, () => {
      this.#idle = this.#round(signal)
        .catch((error: unknown) => this.#hooks.onError(error))
        .finally(() => {
          if (!signal.aborted) this.#schedule(this.#options.intervalMs, signal);
        });
    });
  }

  async #round(signal: AbortSignal): Promise<void> {
    const executors = (await this.#deps.store.executors.list()).filter((executor) => executor.kind === 'http');
    this.#hooks.beforeRound(executors);
    await Promise.all(executors.filter((executor) => executor.healthCheckUrl !== null).map((executor) => this.#check(executor, signal)));
  }

  async #check(executor: Executor, signal: AbortSignal): Promise<void> {
    const url = executor.healthCheckUrl!;
    const ok = await probe(url, AbortSignal.any([signal, AbortSignal.timeout(this.#options.timeoutMs)]));
    if (signal.aborted) return; // stopped (deposed or shutting down): record nothing
    // Judged against the record as it is now, not as it was when the probe left: another
    // check (the one after a registration, a round) may have been recorded meanwhile.
    const current = await this.#deps.store.executors.get(executor.id);
    if (!current || current.healthCheckUrl !== url) return; // removed, or its endpoint changed: this answer is about nothing current
    const successes = ok ? (this.#successes.get(current.id) ?? 0) + 1 : 0;
    this.#successes.set(current.id, successes);
    const failures = ok ? 0 : current.healthCheckFailures + 1;
    const first = current.lastHealthCheck === null;
    const healthy = first ? ok : ok ? current.isHealthy || successes >= this.#options.recoveryThreshold : current.isHealthy && failures < this.#options.failureThreshold;
    await this.#deps.store.executors.recordHealthCheck(current.id, { healthy, failures }, this.#deps.clock.now());
    this.events.emit('health.checked', { executorId: current.id, ok, healthy, failures });
    if (healthy && !current.isHealthy) this.#deps.wake(); // work waiting for an executor may go there now
  }
}

async function probe(url: string, signal: AbortSignal): Promise<boolean> {
  try {
    const response = await fetch(url, { signal });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
