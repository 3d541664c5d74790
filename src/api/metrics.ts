// Prometheus metrics, one registry per server (several servers can share a process in tests).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface LiveState {
  leader: boolean;
  executions: Record<string, number>;
  executorsConnected: number;
}

export class Metrics {
  readonly registry = new Registry();
  readonly fires = new Counter({ name: 'cronfleet_fires_total', help: 'Schedule fires recorded, by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly finished = new Counter({ name: 'cronfleet_executions_finished_total', help: 'Executions finished, by status', labelNames: ['status'] as const, registers: [this.registry] });
  readonly fireLateness = new Histogram({
    name: 'cronfleet_fire_lateness_seconds',
    help: 'From the scheduled instant to the fire being recorded',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly #leader = new Gauge({ name: 'cronfleet_leader', help: '1 while this instance holds the leader lease', registers: [this.registry] });
  readonly #executions = new Gauge({ name: 'cronfleet_executions', help: 'Executions by live status', labelNames: ['status'] as const, registers: [this.registry] });
  readonly #connected = new Gauge({ name: 'cronfleet_executors_connected', help: 'Executors connected to this instance', registers: [this.registry] });
  readonly #live: () => Promise<LiveState>;

  constructor(live: () => Promise<LiveState>) {
    this.#live = live;
    collectDefaultMetrics({ register: this.registry, prefix: 'cronfleet_' });
  }

  async render(): Promise<string> {
    const state = await this.#live();
    this.#leader.set(state.leader ? 1 : 0);
    for (const status of ['pending', 'running']) this.#executions.set({ status }, state.executions[status] ?? 0);
    this.#connected.set(state.executorsConnected);
    return this.registry.metrics();
  }
}
