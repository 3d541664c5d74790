// Prometheus metrics, one registry per server (several servers can share a process in tests).
//
// Counters and histograms count what this instance did (fires it recorded, executions it
// finished or saw start); Prometheus sums them over the cluster. Gauges read from the
// database (executions, executors, last successes) describe the whole cluster and are the
// same on every instance: alert on max() of them, not sum().
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ExecutionStatus } from '../domain/execution.ts';

interface LiveState {
  leader: boolean;
  executions: Record<string, number>;
  executorsConnected: number;
  /** Every executor's stored status, the whole cluster. */
  executorStatuses: string[];
}

export interface MetricsSources {
  live(): Promise<LiveState>;
  /** When each live task last succeeded (end time, epoch ms); read only with task labels on. */
  lastSuccesses(): Promise<Array<{ taskName: string; endTime: number }>>;
}

export interface MetricsOptions {
  /** metrics_task_labels: series per task (off for very large installations). */
  taskLabels: boolean;
  /** The clock's now, epoch ms (the last-success cache ages by it). */
  now(): number;
}

/** The dead-man gauge reads the database at most this often, however often it is scraped. */
const LAST_SUCCESS_CACHE_MS = 10_000;

/**
 * prom-client's default process metrics include three gauges whose names end in `_total`
 * (which `promtool check metrics` reports: only counters may). Their per-type
 * counterparts (`nodejs_active_handles{type}` …) stay.
 */
const misnamedDefaults = ['cronfleet_nodejs_active_handles_total', 'cronfleet_nodejs_active_requests_total', 'cronfleet_nodejs_active_resources_total'];

export interface FinishedRun {
  taskName: string;
  status: ExecutionStatus;
  startTime: number | null;
  endTime: number;
}

export interface StartedRun {
  scheduledTime: number;
  startTime: number;
  attempt: number;
}

export class Metrics {
  readonly registry = new Registry();
  readonly fires = new Counter({ name: 'cronfleet_fires_total', help: 'Schedule fires recorded, by outcome', labelNames: ['outcome'] as const, registers: [this.registry] });
  readonly finished = new Counter({ name: 'cronfleet_executions_finished_total', help: 'Executions finished, by status', labelNames: ['status'] as const, registers: [this.registry] });
  readonly alerts = new Counter({
    name: 'cronfleet_alerts_total',
    help: 'Alert sends by this instance: event, channel name, outcome (sent, retry, failed)',
    labelNames: ['event', 'channel', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly fireLateness = new Histogram({
    name: 'cronfleet_fire_lateness_seconds',
    help: 'From the scheduled instant to the fire being recorded (fires are recorded just ahead of their instant, so this is mostly 0)',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly #scheduleLateness = new Histogram({
    name: 'cronfleet_schedule_lateness_seconds',
    help: 'From the scheduled instant to the execution starting on an executor (first attempts only)',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly #duration: Histogram<'task' | 'status'>;
  readonly #lastSuccess: Gauge<'task'> | null;
  readonly #leader = new Gauge({ name: 'cronfleet_leader', help: '1 while this instance holds the leader lease', registers: [this.registry] });
  readonly #executions = new Gauge({ name: 'cronfleet_executions', help: 'Executions by live status, the whole cluster', labelNames: ['status'] as const, registers: [this.registry] });
  readonly #executors = new Gauge({ name: 'cronfleet_executors', help: 'Registered executors by status, the whole cluster', labelNames: ['status'] as const, registers: [this.registry] });
  readonly #connected = new Gauge({ name: 'cronfleet_executors_connected', help: 'Executors connected to this instance', registers: [this.registry] });
  readonly #sources: MetricsSources;
  readonly #options: MetricsOptions;
  #lastSuccessReadAt = -Infinity;

  constructor(sources: MetricsSources, options: MetricsOptions) {
    this.#sources = sources;
    this.#options = options;
    collectDefaultMetrics({ register: this.registry, prefix: 'cronfleet_' });
    for (const name of misnamedDefaults) this.registry.removeSingleMetric(name);
    // Without task labels the duration histogram is per status only.
    this.#duration = new Histogram({
      name: 'cronfleet_execution_duration_seconds',
      help: 'How long executions ran, from start to end, by task and final status',
      labelNames: options.taskLabels ? (['task', 'status'] as const) : (['status'] as const),
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14400],
      registers: [this.registry],
    });
    this.#lastSuccess = options.taskLabels
      ? new Gauge({ name: 'cronfleet_task_last_success_timestamp_seconds', help: 'When each task last finished successfully (unix seconds)', labelNames: ['task'] as const, registers: [this.registry] })
      : null;
  }

  /** An execution ended (the one execution.finished event): its run length, if it ran. */
  executionFinished(run: FinishedRun): void {
    this.finished.inc({ status: run.status });
    if (run.startTime === null) return; // never ran (no executor, cancelled while pending)
    const seconds = Math.max(0, run.endTime - run.startTime) / 1000;
    this.#duration.observe(this.#options.taskLabels ? { task: run.taskName, status: run.status } : { status: run.status }, seconds);
  }

  /** An execution started on an executor: how late after its scheduled instant. */
  executionStarted(run: StartedRun): void {
    if (run.attempt !== 1) return; // a retry's instant is its first attempt's: its backoff is not lateness
    this.#scheduleLateness.observe(Math.max(0, run.startTime - run.scheduledTime) / 1000);
  }

  async render(): Promise<string> {
    const state = await this.#sources.live();
    this.#leader.set(state.leader ? 1 : 0);
    for (const status of ['pending', 'running']) this.#executions.set({ status }, state.executions[status] ?? 0);
    this.#connected.set(state.executorsConnected);
    for (const status of ['online', 'offline', 'maintenance']) this.#executors.set({ status }, state.executorStatuses.filter((stored) => stored === status).length);
    await this.#readLastSuccesses();
    return this.registry.metrics();
  }

  async #readLastSuccesses(): Promise<void> {
    if (this.#lastSuccess === null || this.#options.now() - this.#lastSuccessReadAt < LAST_SUCCESS_CACHE_MS) return;
    const successes = await this.#sources.lastSuccesses();
    this.#lastSuccess.reset(); // a deleted or renamed task's series goes
    for (const { taskName, endTime } of successes) this.#lastSuccess.set({ task: taskName }, endTime / 1000);
    this.#lastSuccessReadAt = this.#options.now();
  }
}
