// Statistics for the web UI: one task's window (success rate, durations, trend, health
// score) and the dashboard overview (timeline, fleet, leader, top failing tasks).
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { executionStatuses, type ExecutionStatus } from '../../domain/execution.ts';
import { CronfleetError } from '../../protocol/errors.ts';
import { text } from '../../protocol/messages/index.ts';
import { OverviewResponse, ref, TaskStatsResponse } from '../../protocol/rest-responses.ts';
import { IdParams } from '../../protocol/rest-schemas.ts';
import { LEADER_LEASE } from '../../scheduler/leadership.ts';
import { outcomeStatuses, type StatusCount } from '../../store/stats.ts';
import type { ApiContext } from '../context.ts';
import { iso } from '../dto.ts';
import { errorResponses } from '../openapi.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** A window is `buckets` whole UTC buckets ending with the one in progress (24h = this hour and the 23 before). */
const windows = {
  '24h': { bucketMs: HOUR_MS, buckets: 24, bucket: 'hour' },
  '7d': { bucketMs: DAY_MS, buckets: 7, bucket: 'day' },
  '90d': { bucketMs: DAY_MS, buckets: 90, bucket: 'day' },
} as const;
type WindowName = keyof typeof windows;

const TaskStatsQuery = Type.Object({ window: Type.Optional(Type.String()) }, { additionalProperties: false });
const OverviewQuery = Type.Object({ window: Type.Optional(Type.String()), top: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 5 })) }, { additionalProperties: false });

const schemas = {
  task: {
    operationId: 'getTaskStats',
    tags: ['tasks'],
    summary: "A task's statistics over 24h, 7d or 90d: success rate, durations, trend, health score",
    params: IdParams,
    querystring: TaskStatsQuery,
    response: { 200: ref(TaskStatsResponse, { description: "The task's statistics" }), ...errorResponses([404, 'No such task (task_not_found)']) },
  },
  overview: {
    operationId: 'getStatsOverview',
    tags: ['system'],
    summary: 'Dashboard: executions over time by status, success rate, running, pending, executors, leader, top failing tasks',
    querystring: OverviewQuery,
    response: { 200: ref(OverviewResponse, { description: 'The overview' }) },
  },
};

/** How many latest outcomes the health score weighs as "recent". */
const RECENT_OUTCOMES = 10;

/**
 * Health score, 0–100, or null when the window holds no outcome:
 *
 *   score = round(100 × (0.5 × window success rate + 0.5 × success rate of the latest 10 outcomes))
 *
 * Outcomes are success, failed and timeout (a timeout is a failure; cancelled and skipped
 * runs say nothing about the task). Half the weight on the latest 10 makes a task that
 * started failing drop fast and a fixed one recover fast, while the window half keeps one
 * bad run of an otherwise steady task from painting it red. README "## Statistics".
 */
export function healthScore(windowRate: number | null, latest: readonly ExecutionStatus[]): number | null {
  if (windowRate === null || latest.length === 0) return null;
  const recentRate = latest.filter((status) => status === 'success').length / latest.length;
  return Math.round(100 * (0.5 * windowRate + 0.5 * recentRate));
}

/** success / (success + failed + timeout); null when none of those happened. */
function successRate(byStatus: Record<ExecutionStatus, number>): number | null {
  const outcomes = byStatus.success + byStatus.failed + byStatus.timeout;
  return outcomes === 0 ? null : byStatus.success / outcomes;
}

export function statsRoutes({ store, clock, tasks }: Pick<ApiContext, 'store' | 'clock' | 'tasks'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/tasks/:id/stats', { schema: schemas.task }, async (request) => {
      const name = parseWindow(request.query.window, ['24h', '7d', '90d']);
      const task = await tasks.get(request.params.id);
      const range = { ...windowRange(name, clock.now()), taskId: task.id };
      const counts = await store.stats.countsByBucket(range, windows[name].bucketMs);
      const { byStatus, total, trend, timed } = summarize(counts, range.from, name);
      const timedCount = timed.reduce((sum, bucket) => sum + bucket.count, 0);
      const timedSumMs = timed.reduce((sum, bucket) => sum + bucket.sumMs, 0);
      const [p95, latest] = await Promise.all([store.stats.p95Duration(range, timedCount), store.stats.latestOutcomes(range, RECENT_OUTCOMES)]);
      const rate = successRate(byStatus);
      return {
        task_id: task.id,
        window: name,
        bucket: windows[name].bucket,
        from: iso(range.from),
        to: iso(range.to),
        total,
        by_status: byStatus,
        success_rate: rate,
        avg_duration_ms: timedCount === 0 ? null : Math.round(timedSumMs / timedCount),
        p95_duration_ms: p95,
        timeouts: byStatus.timeout,
        health_score: healthScore(rate, latest),
        timezone: 'UTC' as const,
        // Each bucket's own rate and mean duration, by the same rules as the window's: the health-over-time chart.
        trend: trend.map((bucket, index) => {
          const { count, sumMs } = timed[index]!;
          return { ...bucket, total: statusTotal(bucket), success_rate: successRate(bucket), avg_duration_ms: count === 0 ? null : Math.round(sumMs / count) };
        }),
      };
    });

    app.get('/stats/overview', { schema: schemas.overview }, async (request) => {
      const name = parseWindow(request.query.window, ['24h', '7d']);
      const range = windowRange(name, clock.now());
      const [counts, failing, active, executors, lease, databaseNow] = await Promise.all([
        store.stats.countsByBucket(range, windows[name].bucketMs),
        store.stats.topFailing(range, request.query.top ?? 5),
        store.executions.countByStatus(),
        store.executors.list(),
        store.leases.current(LEADER_LEASE),
        store.leases.now(),
      ]);
      const { byStatus, total, trend } = summarize(counts, range.from, name);
      return {
        window: name,
        bucket: windows[name].bucket,
        from: iso(range.from),
        to: iso(range.to),
        total,
        by_status: byStatus,
        success_rate: successRate(byStatus),
        timezone: 'UTC' as const,
        timeline: trend,
        running: active.running ?? 0,
        pending: active.pending ?? 0,
        executors: {
          online: executors.filter((executor) => executor.status === 'online').length,
          healthy: executors.filter((executor) => executor.status === 'online' && executor.isHealthy).length,
          total: executors.length,
        },
        leader: lease !== null && lease.expiresAt > databaseNow ? { instance_id: lease.holder } : null,
        top_failing: failing.map((task) => ({ task_id: task.taskId, name: task.name, failures: task.failures, last_failure_at: iso(task.lastFailureAt) })),
      };
    });
  };
}

function parseWindow<W extends WindowName>(value: string | undefined, allowed: W[]): W {
  const name = value ?? allowed[0]!;
  if (!(allowed as string[]).includes(name)) {
    throw new CronfleetError('invalid_request', text('request.window', { allowed: allowed.join(', '), value: name }), { location: 'querystring', field: 'window', allowed });
  }
  return name as W;
}

/** Daily windows also count the executions retention folded into daily rollups (store/stats.ts). */
function windowRange(name: WindowName, now: number): { from: number; to: number; byDay: boolean } {
  const { bucketMs, buckets } = windows[name];
  const current = now - (now % bucketMs);
  return { from: current - (buckets - 1) * bucketMs, to: current + bucketMs, byDay: bucketMs === DAY_MS };
}

type BucketRow = { bucket: string | null } & Record<ExecutionStatus, number>;

function statusTotal(counts: Record<ExecutionStatus, number>): number {
  return executionStatuses.reduce((sum, status) => sum + counts[status], 0);
}

/**
 * Totals per status and a zero-filled trend with one entry per bucket of the window, oldest
 * first; `timed` runs beside the trend: per bucket, the outcomes with a start and an end and
 * the sum of their durations (a running execution has no end yet, a cancelled or skipped one
 * says nothing about how long the task takes).
 */
function summarize(counts: StatusCount[], from: number, name: WindowName): { byStatus: Record<ExecutionStatus, number>; total: number; trend: BucketRow[]; timed: { count: number; sumMs: number }[] } {
  const { bucketMs, buckets } = windows[name];
  const zero = () => Object.fromEntries(executionStatuses.map((status) => [status, 0])) as Record<ExecutionStatus, number>;
  const byStatus = zero();
  const trend: BucketRow[] = Array.from({ length: buckets }, (_, index) => ({ bucket: iso(from + index * bucketMs), ...zero() }));
  const timed = Array.from({ length: buckets }, () => ({ count: 0, sumMs: 0 }));
  let total = 0;
  for (const { bucket, status, count, timedCount, timedSumMs } of counts) {
    if (!(status in byStatus)) continue;
    byStatus[status] += count;
    total += count;
    const index = Math.floor((bucket - from) / bucketMs);
    const entry = trend[index];
    if (!entry) continue;
    entry[status] += count;
    if ((outcomeStatuses as readonly string[]).includes(status)) {
      timed[index]!.count += timedCount;
      timed[index]!.sumMs += timedSumMs;
    }
  }
  return { byStatus, total, trend, timed };
}
