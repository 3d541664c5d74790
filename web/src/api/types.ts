// Wire shapes the UI reads and sends: the server's own, from src/protocol (type-only, so
// nothing of the server enters the bundle). A field changed in the protocol's schemas is
// a type error in the UI code that reads it. Only the UI's own shapes are defined here.
import type { Role } from '../../../src/protocol/enums.ts';
import type {
  ApiTokenResponse,
  AuditEntryResponse,
  CallerResponse,
  ExecutionResponse,
  ExecutorResponse,
  ExecutorTokenResponse,
  LogLineResponse,
  OverviewResponse,
  RegisteredExecutorResponse,
  SchedulePreviewResponse,
  SessionResponse,
  SystemStatusResponse,
  TaskHistoryEntryResponse,
  TaskResponse,
  TaskStatsResponse,
  UserResponse,
} from '../../../src/protocol/rest-responses.ts';
import type { TaskRequest } from '../../../src/protocol/rest-schemas.ts';
import type { AlertResponse, AlertRuleResponse, ChannelResponse, ChannelTestResponse } from '../../../src/protocol/alert-schemas.ts';

export type { Role, TaskType } from '../../../src/protocol/enums.ts';
export type { Page, TrendBucket } from '../../../src/protocol/rest-responses.ts';
export type { AlertEvent, ChannelLocale, ChannelType } from '../../../src/protocol/enums.ts';
export { alertEvents, channelLocales, channelTypes } from '../../../src/protocol/enums.ts';
export { cronDialects, executionModes, executionStatuses, loadBalanceStrategies, misfirePolicies, taskTypes } from '../../../src/protocol/enums.ts';

export type Task = TaskResponse;
/** A task as the form sends it (POST and PUT /tasks). */
export type TaskBody = TaskRequest;
export type Execution = ExecutionResponse;
export type LogLine = LogLineResponse;
export type Executor = ExecutorResponse;
export type RegisteredExecutor = RegisteredExecutorResponse;
export type User = UserResponse;
export type Me = CallerResponse;
export type Session = SessionResponse;
export type ApiToken = ApiTokenResponse;
export type ExecutorToken = ExecutorTokenResponse;
export type AuditEntry = AuditEntryResponse;
export type SystemStatus = SystemStatusResponse;
export type Overview = OverviewResponse;
export type TaskStats = TaskStatsResponse;
export type TaskHistoryEntry = TaskHistoryEntryResponse;
export type SchedulePreview = SchedulePreviewResponse;
export type Channel = ChannelResponse;
export type ChannelTest = ChannelTestResponse;
export type AlertRule = AlertRuleResponse;
export type AlertEntry = AlertResponse;

/** A secret value in a task body: a new value, or {"secret":true} to keep the stored one. Reads show the latter. */
export type MaybeSecret = NonNullable<TaskRequest['env']>[string];

/** Who is signed in, as the UI keeps it: a user, or an API token standing in for one. */
export interface SignedIn {
  id: string;
  username: string;
  role: Role;
  /** Signed in with an API token rather than a password. */
  viaToken?: boolean;
}
