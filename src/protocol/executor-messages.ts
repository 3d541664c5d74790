// The executor protocol (DESIGN §6), in the shapes of seed 000. Transport-neutral: the
// same JSON travels over WebSocket or the in-process pipe of `cronfleet up`.
// Note: as in seed 000, `task_id` in task_update names the execution (seed 000's "Task").
import type { MessageJson } from './messages/index.ts';

export const PROTOCOL_VERSION = 1;

export interface RunTask {
  /** Execution id. */
  id: string;
  attempt: number;
  task_id: string;
  task_name: string;
  type: 'command' | 'script' | 'http' | 'docker' | 'handler';
  /** For command tasks, as in seed 000; other types carry their settings in `spec`. */
  command?: string;
  args?: string[];
  /** Seconds. */
  timeout: number;
  spec: Record<string, unknown>;
  parameters: Record<string, unknown>;
  scheduled_time: string;
  trigger: string;
  /** Broadcast: this run's shard of the total (also CRONFLEET_SHARD_INDEX / _TOTAL). */
  shard?: { index: number; total: number };
}

export type ServerMessage =
  | { action: 'run'; tasks: RunTask[] }
  | { action: 'stop' | 'kill' | 'timeout'; tasks: Array<{ id: string }> }
  | { action: 'welcome'; executor_id: string; heartbeat_interval_ms: number }
  /** The final reports of these executions are stored: the executor may forget them. */
  | { action: 'ack'; task_ids: string[] }
  | { action: 'error'; code: string; message: string };

export type TaskUpdateStatus = 'running' | 'success' | 'failed' | 'timeout' | 'cancelled';

export interface TaskUpdate {
  action: 'task_update';
  worker_id: string;
  task_id: string;
  attempt: number;
  data: {
    status: TaskUpdateStatus;
    output?: string;
    exit_code?: number | null;
    result?: unknown;
    error?: string | null;
    /**
     * The message `error` was worded from, when a cronfleet agent made it (a `run.*` key of
     * messages/index.ts and its parameters): the server keeps it, so the console words the
     * error in its own language. Optional; one the server does not know is ignored.
     */
    error_detail?: MessageJson;
    time_start?: string;
    time_end?: string;
  };
}

export interface HelloMessage {
  action: 'hello';
  name: string;
  instance_id: string;
  labels: Record<string, string>;
  capacity: number;
  runners: string[];
  running: string[];
  protocol_version: number;
  version: string;
  token?: string;
}

export interface LogMessage {
  action: 'log';
  execution_id: string;
  seq: number;
  stream: 'stdout' | 'stderr' | 'system';
  chunk: string;
}

export type ExecutorMessage = HelloMessage | { action: 'heartbeat'; running: string[] } | LogMessage | TaskUpdate;

/**
 * Liveness, derived from the heartbeat interval (config `heartbeat_interval_seconds`,
 * default 5 s, announced to agents in `welcome`). Agents send a heartbeat every interval;
 * both ends of a WebSocket also ping every half interval (livenessPingMs), and a link
 * that brings nothing (no frame, no ping, no pong) for one interval is dead and is
 * terminated, without a close handshake its peer could never answer. The floor (2 s) keeps
 * short (test) intervals from tripping over a busy machine, where an agent starved of CPU
 * for a second can miss its pongs.
 */
export function livenessDeadlineMs(heartbeatIntervalMs: number): number {
  return Math.max(heartbeatIntervalMs, 2000);
}

export function livenessPingMs(heartbeatIntervalMs: number): number {
  return Math.max(heartbeatIntervalMs / 2, 250);
}

/**
 * An executor whose last heartbeat is older than this, and that no instance holds, is
 * lost (its running executions fail as `executor_lost`).
 *
 * The order matters more than the size: an agent cut off from its server must notice
 * and reach another server before the leader judges it, or runs that finished meanwhile
 * are failed and retried (run twice). Its last stored heartbeat can be up to one
 * interval older than the last frame it heard; it notices a dead link one liveness
 * deadline later, then reconnects. So the window is a heartbeat interval plus the
 * deadline plus a reconnect margin of half an interval (at least 1 s): with the default
 * 5 s, 12.5 s, and as the leader sweeps every half interval a stopped agent is judged
 * within 15 s of its last heartbeat. After a leadership change, and after the leader
 * could not reach the database, no loss is judged for this long either: the agents'
 * heartbeats of that time may be missing through no fault of theirs.
 */
export function lossWindowMs(heartbeatIntervalMs: number): number {
  return heartbeatIntervalMs + livenessDeadlineMs(heartbeatIntervalMs) + Math.max(heartbeatIntervalMs / 2, 1000);
}
