// The change feed behind GET /api/v1/events: a Server-Sent Events stream of what changes
// in the cluster, so the web UI updates live instead of polling every list.
//
//   event: execution  data: {"id","task_id","status","executor_id","workflow_run_id"} on create and every status change
//   event: task       data: {"id","name","status","change"}      created|updated|deleted|paused|resumed
//   event: executor   data: {"id","name","status","healthy"}     status or health changed, or new
//   event: leader     data: {"instance_id"}                      the leader changed (null: none)
//   event: ready      data: {"instance_id","leader"}             once, when the stream is live
//   ": heartbeat" comment every 15 s, so proxies keep the connection open.
//
// One feed per instance serves every open stream. It reads the database ("what changed
// since", store/changes.ts), so a browser connected to a follower sees what the leader
// does, on every dialect: each second while a stream is open, and at once when a local
// event or a PostgreSQL notification says something happened. With no stream open it
// runs no query and holds no timer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { isTerminal, type ExecutionStatus } from '../domain/execution.ts';
import type { TaskStatus } from '../domain/task.ts';
import { LEADER_LEASE } from '../scheduler/leadership.ts';
import type { ExecutionChange, TaskChange } from '../store/changes.ts';
import type { ApiContext } from './context.ts';

const POLL_MS = 1000;
/** A burst of local events becomes one read. */
const WAKE_DELAY_MS = 20;
const HEARTBEAT_MS = 15_000;
/**
 * Each read looks this far behind the newest updated_at seen: a transaction may commit
 * after a later one, and instances stamp updated_at with their own clocks. Rows seen
 * before are recognised and not sent twice.
 */
const LOOKBACK_MS = 2000;
const PAGE = 2000;
/** A client this far behind is dropped; EventSource reconnects and starts fresh. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

type Send = (event: string, data: unknown) => void;

/** What the feed reads and listens to. */
export type ChangeFeedDeps = Pick<ApiContext, 'store' | 'clock' | 'events' | 'instanceId'>;

class Subscriber {
  readonly #response: ServerResponse;
  #gone = false;

  constructor(response: ServerResponse) {
    this.#response = response;
    response.on('close', () => {
      this.#gone = true;
    });
  }

  get open(): boolean {
    return !this.#gone && !this.#response.writableEnded && !this.#response.destroyed;
  }

  send: Send = (event, data) => {
    if (!this.open) return;
    if (this.#response.writableLength > MAX_BUFFERED_BYTES) return void this.#response.end();
    this.#response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  comment(text: string): void {
    if (this.open) this.#response.write(`: ${text}\n\n`);
  }

  end(): void {
    if (this.open) this.#response.end();
  }
}

/** What the feed last told its subscribers about each thing. */
interface FeedState {
  /** Executions created after this were created while the stream watched. */
  primedAt: number;
  executionCursor: number;
  executions: Map<string, { status: ExecutionStatus; updatedAt: number }>;
  taskCursor: number;
  tasks: Map<string, { status: TaskStatus; updatedAt: number }>;
  executors: Map<string, string>;
  leader: string | null;
}

export class ChangeFeed {
  readonly #deps: ChangeFeedDeps;
  readonly #log: FastifyBaseLogger;
  readonly #subscribers = new Set<Subscriber>();
  #state: Promise<FeedState> | null = null;
  #poll: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #offLocal: Array<() => void> = [];
  #reading: Promise<void> | null = null;
  #readAgain = false;
  #listening = false;
  #closed = false;

  constructor(deps: ChangeFeedDeps, log: FastifyBaseLogger) {
    this.#deps = deps;
    this.#log = log;
  }

  /** Answers one request with the event stream, until the client or the server ends it. */
  async stream(request: IncomingMessage, response: ServerResponse): Promise<void> {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    response.write('retry: 3000\n\n');
    const subscriber = new Subscriber(response);
    request.on('close', () => this.#unsubscribe(subscriber));
    await this.#subscribe(subscriber);
  }

  async #subscribe(subscriber: Subscriber): Promise<void> {
    if (this.#closed) return subscriber.end();
    this.#subscribers.add(subscriber);
    if (this.#state === null) this.#start();
    const primed = this.#state!;
    try {
      const state = await primed;
      // The client may have left while the feed started: its 'close' came before it was added.
      if (!subscriber.open) return this.#unsubscribe(subscriber);
      subscriber.send('ready', { instance_id: this.#deps.instanceId, leader: state.leader === null ? null : { instance_id: state.leader } });
    } catch (error) {
      this.#log.warn({ err: error }, 'event stream: cannot read the database');
      subscriber.end();
      this.#unsubscribe(subscriber);
    }
  }

  #unsubscribe(subscriber: Subscriber): void {
    this.#subscribers.delete(subscriber);
    if (this.#subscribers.size === 0) this.#stop();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const subscriber of this.#subscribers) subscriber.end();
    this.#subscribers.clear();
    this.#stop();
    await this.#reading; // never rejects: #wake catches
  }

  #start(): void {
    const state = this.#prime();
    this.#state = state;
    state.catch(() => {
      if (this.#state === state) this.#stop(); // the next subscriber tries again
    });
    const events = this.#deps.events;
    const wake = () => this.#wake();
    this.#offLocal = [
      events.on('execution.dispatched', wake),
      events.on('execution.started', wake),
      events.on('execution.finished', wake),
      events.on('executor.connected', wake),
      events.on('executor.disconnected', wake),
      events.on('fired', wake),
      events.on('leader.elected', wake),
      events.on('leader.deposed', wake),
      events.on('task.changed', wake),
    ];
    if (!this.#listening) {
      // Signals cannot be unlistened; the callback is a no-op while no stream is open.
      this.#listening = true;
      this.#deps.store.signals.listen('cronfleet_dispatch', wake);
      this.#deps.store.signals.listen('cronfleet_deliver', wake);
    }
    this.#poll = setInterval(wake, POLL_MS);
    this.#heartbeat = setInterval(() => {
      for (const subscriber of this.#subscribers) subscriber.comment('heartbeat');
    }, HEARTBEAT_MS);
  }

  #stop(): void {
    for (const off of this.#offLocal) off();
    this.#offLocal = [];
    if (this.#poll) clearInterval(this.#poll);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#poll = null;
    this.#heartbeat = null;
    this.#state = null;
  }

  /** Reads what is there now without sending it: a stream reports changes from its start on. */
  async #prime(): Promise<FeedState> {
    const { store, clock } = this.#deps;
    const now = clock.now();
    const [executions, tasks, executors, leader] = await Promise.all([readAllExecutionChanges(this.#deps.store, now - LOOKBACK_MS), store.changes.tasks(-1), store.changes.executors(), this.#currentLeader()]);
    return {
      primedAt: now,
      executionCursor: newest(now, executions),
      executions: new Map(executions.map((change) => [change.id, { status: change.status, updatedAt: change.updatedAt }])),
      taskCursor: newest(now, tasks),
      tasks: new Map(tasks.map((change) => [change.id, { status: change.status, updatedAt: change.updatedAt }])),
      executors: new Map(executors.map((executor) => [executor.id, `${executor.status}/${executor.healthy}`])),
      leader,
    };
  }

  #wake(): void {
    if (this.#state === null || this.#subscribers.size === 0) return;
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    const state = this.#state;
    this.#reading = new Promise<void>((resolve) => setTimeout(resolve, WAKE_DELAY_MS).unref())
      .then(async () => this.#read(await state))
      .catch((error: unknown) => this.#log.warn({ err: error }, 'event stream: reading changes failed'))
      .finally(() => {
        this.#reading = null;
        if (this.#readAgain) {
          this.#readAgain = false;
          this.#wake();
        }
      });
  }

  async #read(state: FeedState): Promise<void> {
    if (this.#state === null) return;
    const { store, clock } = this.#deps;
    const now = clock.now();
    const [executions, tasks, executors, leader] = await Promise.all([
      readAllExecutionChanges(this.#deps.store, Math.min(state.executionCursor, now) - LOOKBACK_MS),
      store.changes.tasks(Math.min(state.taskCursor, now) - LOOKBACK_MS),
      store.changes.executors(),
      this.#currentLeader(),
    ]);
    for (const change of executions) {
      state.executionCursor = Math.max(state.executionCursor, change.updatedAt);
      for (const status of executionSteps(change, state.executions.get(change.id)?.status, state.primedAt)) {
        // A replayed pending step had no executor yet.
        const executorId = status === 'pending' && change.status !== 'pending' ? null : change.executorId;
        this.#broadcast('execution', { id: change.id, task_id: change.taskId, status, executor_id: executorId, workflow_run_id: change.workflowRunId });
      }
      state.executions.set(change.id, { status: change.status, updatedAt: change.updatedAt });
    }
    // Forget finished executions the lookback no longer re-reads; active ones are few and stay.
    for (const [id, seen] of state.executions) {
      if (isTerminal(seen.status) && seen.updatedAt < state.executionCursor - 2 * LOOKBACK_MS) state.executions.delete(id);
    }
    for (const change of tasks) {
      state.taskCursor = Math.max(state.taskCursor, change.updatedAt);
      const previous = state.tasks.get(change.id);
      if (previous && previous.updatedAt === change.updatedAt && previous.status === change.status) continue;
      state.tasks.set(change.id, { status: change.status, updatedAt: change.updatedAt });
      this.#broadcast('task', { id: change.id, name: change.name, status: change.status, change: taskChange(change, previous?.status) });
    }
    for (const executor of executors) {
      const summary = `${executor.status}/${executor.healthy}`;
      if (state.executors.get(executor.id) === summary) continue;
      state.executors.set(executor.id, summary);
      // As on the executor itself (dto.ts): an offline executor is never healthy.
      this.#broadcast('executor', { id: executor.id, name: executor.name, status: executor.status, healthy: executor.status !== 'offline' && executor.healthy });
    }
    if (leader !== state.leader) {
      state.leader = leader;
      this.#broadcast('leader', { instance_id: leader });
    }
  }

  #broadcast(event: string, data: unknown): void {
    for (const subscriber of this.#subscribers) subscriber.send(event, data);
  }

  async #currentLeader(): Promise<string | null> {
    return (await this.#deps.store.leases.valid(LEADER_LEASE))?.holder ?? null;
  }
}

function newest(floor: number, changes: ReadonlyArray<{ updatedAt: number }>): number {
  return changes.reduce((max, change) => Math.max(max, change.updatedAt), floor);
}

/** Changes after `after`, paged; a page of one millisecond's ties moves on past it. */
async function readAllExecutionChanges(store: ChangeFeedDeps['store'], after: number): Promise<ExecutionChange[]> {
  const all: ExecutionChange[] = [];
  for (;;) {
    const page = await store.changes.executions(after, PAGE);
    all.push(...page);
    if (page.length < PAGE) return all;
    const first = page[0]!.updatedAt;
    const last = page[page.length - 1]!.updatedAt;
    after = first === last ? last : last - 1;
  }
}

/**
 * The statuses to send for an execution seen now in `change.status`, having last sent
 * `previous`. Reads are a second apart, so a fast run may go pending → running → success
 * between two of them; the state machine says which steps it took (a new execution whose
 * status is not an insert status was pending; one with an executor was claimed, so it
 * ran), and each stream sees every step in order.
 */
function executionSteps(change: ExecutionChange, previous: ExecutionStatus | undefined, primedAt: number): ExecutionStatus[] {
  if (previous === change.status) return [];
  const steps: ExecutionStatus[] = [];
  const created = previous === undefined && change.createdAt >= primedAt;
  const insertStatus = change.status === 'pending' || change.status === 'skipped' || (change.status === 'cancelled' && change.executorId === null);
  if (created && !insertStatus) steps.push('pending');
  const ran = change.executorId !== null && change.status !== 'pending' && change.status !== 'running' && change.status !== 'skipped';
  if (ran && (previous === 'pending' || (created && !insertStatus))) steps.push('running');
  steps.push(change.status);
  return steps;
}

function taskChange(change: TaskChange, previous: TaskStatus | undefined): 'created' | 'updated' | 'deleted' | 'paused' | 'resumed' {
  if (change.status === 'deleted') return 'deleted';
  if (previous === undefined) return 'created';
  if (previous !== change.status && change.status === 'paused') return 'paused';
  if (previous === 'paused' && change.status === 'active') return 'resumed';
  return 'updated';
}
