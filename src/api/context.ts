// What route modules need from the running server.
import type { Clock } from '../domain/clock.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import type { TypedEmitter } from '../dispatch/events.ts';
import type { ExecutorGateway } from '../dispatch/gateway.ts';
import type { HttpExecutors } from '../dispatch/http-executors.ts';
import type { Scheduler, SchedulerEvents } from '../scheduler/scheduler.ts';
import type { ServerRole } from '../config/values.ts';
import type { Store } from '../store/store.ts';
import type { Metrics } from './metrics.ts';
import type { TaskService } from './task-service.ts';
import type { WorkflowService } from './workflow-service.ts';
import type { ChannelService } from '../alerts/channel-service.ts';
import type { Alerting } from '../alerts/alerting.ts';

export interface ApiContext {
  store: Store;
  clock: Clock;
  tasks: TaskService;
  workflows: WorkflowService;
  channels: ChannelService;
  alerting: Alerting;
  scheduler: Scheduler;
  dispatcher: Dispatcher;
  gateway: ExecutorGateway;
  httpExecutors: HttpExecutors;
  events: TypedEmitter<SchedulerEvents>;
  metrics: Metrics;
  instanceId: string;
  adminToken: string;
  metricsPublic: boolean;
  /** role: `scheduler` serves executors, probes and metrics only (server-role.ts). */
  role: ServerRole;
  version: string;
  /** History retention as configured here (the leader's applies: README "History retention"); 0 days = forever. */
  retention: {
    executionDays: number;
    logDays: number;
    auditDays: number;
    executorDays: number;
    cleanupIntervalSeconds: number;
  };
  /** PEM files for HTTPS/WSS; null = plain HTTP. */
  tls: { cert: string; key: string } | null;
  security: {
    sessionTtlMs: number;
    loginRateLimitPerMinute: number;
    rateLimitPerMinute: number;
    corsOrigins: readonly string[];
    bodyLimitBytes: number;
  };
}
