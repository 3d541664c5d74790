// The executor gateway: one Connection per connected executor, whatever the transport.
// It registers executors, records their reports and reconciles after a reconnect.
import type { Clock } from '../domain/clock.ts';
import { newId } from '../domain/ids.ts';
import { CronfleetError } from '../protocol/errors.ts';
import { IN_PROCESS_INSTANCE_PREFIX } from '../protocol/enums.ts';
import { livenessDeadlineMs, lossWindowMs, type ExecutorMessage, type HelloMessage, type RunTask, type ServerMessage } from '../protocol/executor-messages.ts';
import { SilenceDeadline } from '../protocol/silence-deadline.ts';
import { parseExecutorMessage } from '../protocol/executor-validation.ts';
import { text } from '../protocol/messages/index.ts';
import type { Executor } from '../store/executors.ts';
import type { SecretOpener } from '../store/secret-cipher.ts';
import type { Store } from '../store/store.ts';
import type { Execution } from '../domain/execution.ts';
import type { ExecutionFinisher } from './execution-finisher.ts';
import { FrameOrder } from './frame-order.ts';
import { LinkCredentials } from './link-credentials.ts';
import { LogBuffer } from './log-buffer.ts';
import { RunReports } from './run-reports.ts';
import type { ConnectOptions, Connection, ExecutorLink, GatewayDeps, GatewayOptions } from './gateway-contracts.ts';

/** The credential of the in-process executor: token ids are ULIDs, so none can equal it. */
const IN_PROCESS_CREDENTIAL = 'in-process';
/** What an agent whose executor was removed is told before its link is closed. */
const REMOVED_MESSAGE = 'this executor was removed by an admin; if it reconnects it is registered again in maintenance and gets no work until an admin sets it online';
export class ExecutorGateway {
  readonly #deps: GatewayDeps;
  readonly #options: GatewayOptions;
  readonly finisher: ExecutionFinisher;
  /** Opens the secrets a run message carries (dispatch/run-task.ts). */
  readonly secrets: SecretOpener;
  readonly #links = new Map<string, ExecutorLink>();
  /** The executor token behind each network link: its revocation closes the link. */
  readonly #credentials: LinkCredentials<ExecutorLink>;
  readonly #logs: LogBuffer;
  readonly #reports: RunReports;

  constructor(deps: GatewayDeps, options: GatewayOptions) {
    this.#deps = deps;
    this.#options = options;
    this.secrets = deps.secrets;
    this.finisher = deps.finisher;
    this.#logs = new LogBuffer(deps.store, deps.events);
    this.#credentials = new LinkCredentials(deps.store, deps.events, options.heartbeatIntervalMs);
    this.#reports = new RunReports({ store: deps.store, clock: deps.clock, events: deps.events, finisher: deps.finisher, logs: this.#logs });
  }

  get store(): Store {
    return this.#deps.store;
  }

  get clock(): Clock {
    return this.#deps.clock;
  }

  /** How often executors send heartbeats; liveness deadlines derive from it. */
  get heartbeatIntervalMs(): number {
    return this.#options.heartbeatIntervalMs;
  }

  connectedIds(): string[] {
    return [...this.#links.keys()];
  }

  isConnected(executorId: string): boolean {
    return this.#links.has(executorId);
  }

  /** Ends an executor's link on this instance (a forced drop); false when it is not connected here. */
  disconnect(executorId: string, reason: string): boolean {
    const link = this.#links.get(executorId);
    if (!link) return false;
    link.close(reason);
    return true;
  }

  /**
   * An executor removed over the API: its link here, if any, is told why and ends, so no
   * socket stays open for it. Its agent will likely reconnect: it then comes back in
   * maintenance (store/executors.ts remove). False when it is not connected here.
   */
  removed(executorId: string): boolean {
    const link = this.#links.get(executorId);
    if (!link) return false;
    link.send({ action: 'error', code: 'not_found', message: REMOVED_MESSAGE });
    link.close('removed by an admin');
    return true;
  }

  /**
   * Attaches a link that needs no handshake (an HTTP executor: sends are HTTP pushes).
   * Returns a function that detaches it.
   */
  attach(executorId: string, link: ExecutorLink): () => void {
    this.#links.set(executorId, link);
    this.#deps.events.emit('executor.connected', { executorId });
    this.#deps.wake();
    return () => {
      if (this.#links.get(executorId) !== link) return;
      this.#links.delete(executorId);
      this.#deps.events.emit('executor.disconnected', { executorId });
    };
  }

  /**
   * True when this instance already sent this run over the executor's current link.
   * The dispatcher and the delivery loop both send claimed runs not yet marked
   * delivered; checking this in the same tick as sending keeps them from both sending
   * one run (a reconnect makes a new link, so a run lost with the old one is sent again).
   */
  alreadySent(executionId: string, executorId: string): boolean {
    return this.#reports.sentOver(executionId, executorId, this.#links.get(executorId));
  }

  /** Sends to a connected executor; false when it is not connected here. Runs go by sendRuns. */
  send(executorId: string, message: Exclude<ServerMessage, { action: 'run' }>): boolean {
    const link = this.#links.get(executorId);
    if (!link) return false;
    link.send(message);
    return true;
  }

  /**
   * Sends runs, each with the execution it was made from (claimed, with its executor), to a
   * connected executor; false when it is not connected here. The executions are remembered:
   * their reports need no read of the execution.
   */
  sendRuns(executorId: string, runs: ReadonlyArray<{ execution: Execution; run: RunTask }>): boolean {
    const link = this.#links.get(executorId);
    if (!link) return false;
    link.send({ action: 'run', tasks: runs.map(({ run }) => run) });
    this.#reports.sent(executorId, link, runs);
    return true;
  }

  connect(link: ExecutorLink, options: ConnectOptions): Connection {
    let executorId: string | null = null;
    let closed = false;
    // Frames are handled in order per execution, whatever their handlers await (frame-order.ts).
    const order = new FrameOrder();
    let beat: Promise<void> = Promise.resolve();
    let beating = false;
    // A connection that brings nothing (no frame, no pong) within the liveness deadline
    // is dead: end it, so the executor is judged lost or reconnects elsewhere. The
    // in-process pipe carries no pings and cannot go silent while this process runs.
    const deadlineMs = livenessDeadlineMs(this.#options.heartbeatIntervalMs);
    const silence = options.inProcess ? null : new SilenceDeadline(deadlineMs, () => link.close(`nothing heard for ${deadlineMs} ms`));
    const heard = () => silence?.heard();
    heard();
    const send = (reply: ServerMessage) => link.send(reply);
    const reject = (error: unknown, reply = send) => {
      const code = error instanceof CronfleetError ? error.code : 'internal';
      reply({ action: 'error', code, message: error instanceof Error ? error.message : String(error) });
    };
    // Replies (acks, errors) go out in the order their frames came, whatever order the
    // frames were handled in: an agent takes a result whose ack is overtaken by a later
    // one's as not stored, and sends it again (executor/unacked-results.ts).
    let replied: Promise<void> = Promise.resolve();
    const handle = async (message: ExecutorMessage, reply = send) => {
      if (closed) return;
      try {
        if (message.action === 'hello') {
          if (executorId !== null) throw new CronfleetError('invalid_request', 'hello was already received on this connection');
          try {
            const credential = options.inProcess ? IN_PROCESS_CREDENTIAL : await this.#authenticate(message.token);
            executorId = await this.#hello(link, message, credential, options.inProcess);
          } catch (error) {
            // A refused hello ends the connection: the agent reconnects (with backoff) and
            // tries again, which is also right when the database did not answer.
            reject(error);
            link.close(error instanceof CronfleetError ? error.code : 'hello failed');
            if (error instanceof CronfleetError && (error.code === 'forbidden' || error.code === 'conflict')) await this.#credentials.refused(message, error, this.#options.instanceId, this.#deps.clock.now());
          }
          return;
        }
        if (executorId === null) {
          reject(new CronfleetError('unauthorized', "send 'hello' with an executor token first"));
          link.close('unauthorized');
          return;
        }
        await this.#handle(executorId, link, message, reply);
      } catch (error) {
        reject(error, reply);
      }
    };
    return {
      receiveRaw: (raw) => {
        // Alive on arrival, not when handled: frames wait behind a slow database.
        heard();
        let message: ExecutorMessage;
        try {
          message = parseExecutorMessage(raw);
        } catch (error) {
          reject(error);
          return Promise.resolve();
        }
        if (message.action === 'heartbeat' && executorId !== null) {
          // A heartbeat is stamped when it arrives, never behind a backlog of reports: a
          // leader on another instance judges this executor by it. One at a time; while
          // one is being written, a newer one adds nothing.
          if (!beating) {
            beating = true;
            beat = handle(message)
              .catch((error: unknown) => this.#deps.events.emit('error', { error }))
              .finally(() => (beating = false));
          }
          return beat;
        }
        const replies: ServerMessage[] = [];
        const handled = order.run(executionOf(message), () => handle(message, (reply) => replies.push(reply)).catch((error: unknown) => this.#deps.events.emit('error', { error })));
        replied = Promise.all([replied, handled]).then(() => {
          for (const reply of replies) link.send(reply);
        });
        return replied;
      },
      heard,
      close: async () => {
        if (closed) return;
        closed = true;
        silence?.stop();
        const forget = (): string | null => {
          this.#credentials.delete(link);
          const id = executorId;
          if (id === null || this.#links.get(id) !== link) return null;
          this.#links.delete(id);
          return id;
        };
        // Forget the link at once: a reconnect racing this close must not be refused for it.
        const forgotten = forget();
        await Promise.all([order.idle(), replied, beat]);
        // A hello still in progress when the link closed may have registered it meanwhile.
        const id = forgotten ?? forget();
        if (id !== null) {
          // Unless it already reconnected here: then the new link holds it.
          if (!this.#links.has(id)) {
            await this.#deps.store.executors.disconnected(id, this.#options.instanceId, this.#deps.clock.now()).catch((error: unknown) => this.#deps.events.emit('error', { error }));
          }
          this.#deps.events.emit('executor.disconnected', { executorId: id });
        }
        await this.flushLogs();
      },
    };
  }

  /** The id of the executor token `token` is, if it authenticates now. */
  async #authenticate(token: string | undefined): Promise<string> {
    if (!token) throw new CronfleetError('unauthorized', 'an executor token is required (hello.token or "Authorization: Bearer <token>")');
    const valid = await this.#deps.store.executorTokens.verify(token, Date.now());
    if (!valid) throw new CronfleetError('unauthorized', 'invalid, expired or revoked executor token');
    return valid.id;
  }

  /** Writes buffered log chunks; never rejects (a failed write is kept and tried again). */
  flushLogs(): Promise<void> {
    return this.#logs.flush();
  }

  async close(): Promise<void> {
    this.#credentials.close();
    await this.#logs.close();
    this.#links.clear();
    // Agents reconnecting to another instance are not refused for links that end with this one.
    await this.#deps.store.executors.disconnectedAll(this.#options.instanceId, this.#deps.clock.now()).catch((error: unknown) => this.#deps.events.emit('error', { error }));
  }

  /**
   * Whether the link recorded for this executor on another instance is certainly dead:
   * that instance stopped beating (killed; a clean stop releases its links). Then a
   * reconnect elsewhere need not wait out the loss window, which is also when the
   * leader would judge the executor lost. The in-process executor (`local@…`, claimable
   * by no network credential) never waits: a link another instance records for it
   * belonged to an earlier start of this server, never to a live peer.
   */
  async #holderIsGone(known: Executor | null): Promise<boolean> {
    const holder = known?.connectedTo;
    if (!holder) return false;
    // This instance's own links are the ones in #links: a link recorded here but not held
    // there has closed, and only its release is still on its way to the database.
    if (holder === this.#options.instanceId) return !this.#links.has(known.id);
    const store = this.#deps.store;
    const live = await store.instances.liveIds((await store.now()) - this.#options.instanceTimeoutMs);
    return !live.has(holder);
  }

  /**
   * Registers the executor and makes this link its link. An identity belongs to the
   * credential that enrolled it (store/executors.ts upsertAgent); a network credential
   * never gets the in-process executor's identity space; and while an identity has a live
   * link (here, or on another instance by its recent heartbeat) a second one is refused.
   * An agent reconnecting after a drop gets in once its old link is gone: at once after
   * a clean close, within the liveness deadline after a silent one.
   */
  async #hello(link: ExecutorLink, hello: HelloMessage, credential: string, inProcess: boolean): Promise<string> {
    const now = this.#deps.clock.now();
    const details = { instance_id: hello.instance_id };
    if (!inProcess && hello.instance_id.startsWith(IN_PROCESS_INSTANCE_PREFIX)) {
      throw new CronfleetError('forbidden', `instance ids starting with '${IN_PROCESS_INSTANCE_PREFIX}' belong to the built-in executor of \`cronfleet up\`; a network agent cannot use one`, {
        ...details,
        reason: 'in_process_identity',
      });
    }
    const known = await this.#deps.store.executors.getByInstanceId(hello.instance_id);
    const current = known ? this.#links.get(known.id) : undefined;
    if (current && current !== link && !inProcess) {
      const owner = await this.#deps.store.executors.credentialOf(known!.id);
      if (owner !== null && owner !== credential) {
        throw new CronfleetError('forbidden', `executor '${hello.instance_id}' is enrolled with another credential; this token may not connect as it`, { ...details, reason: 'other_credential' });
      }
      // Checked again below, after the awaits, in case a second hello got in meanwhile.
      throw new CronfleetError('conflict', `executor '${hello.instance_id}' is already connected here; a reconnect is accepted once that link is gone`, { ...details, reason: 'connected_here' });
    }
    const liveSince = inProcess || (await this.#holderIsGone(known)) ? Number.MAX_SAFE_INTEGER : Date.now() - lossWindowMs(this.#options.heartbeatIntervalMs);
    const executor = await this.#deps.store.executors.upsertAgent(
      {
        id: newId(now),
        name: hello.name,
        instanceId: hello.instance_id,
        labels: hello.labels,
        capacity: Math.max(1, hello.capacity),
        runners: hello.runners,
        version: hello.version,
        connectedTo: this.#options.instanceId,
        credential,
        liveSince,
      },
      now,
    );
    const previous = this.#links.get(executor.id);
    if (previous && previous !== link) {
      // Only the in-process executor replaces a link (its own earlier one, being closed).
      if (!inProcess) throw new CronfleetError('conflict', `executor '${hello.instance_id}' is already connected here`, { ...details, reason: 'connected_here' });
      previous.close('replaced by the in-process executor');
    }
    this.#links.set(executor.id, link);
    // Known before the welcome, so a revocation from now on closes this link. One made
    // since the token was verified is caught by the next heartbeat's check.
    if (!inProcess) this.#credentials.set(link, credential);
    link.send({ action: 'welcome', executor_id: executor.id, heartbeat_interval_ms: this.#options.heartbeatIntervalMs });
    await this.#reconcile(executor.id, hello.running);
    this.#deps.events.emit('executor.connected', { executorId: executor.id });
    this.#deps.wake();
    return executor.id;
  }

  /**
   * After a (re)connect the executor says what it still runs. Executions we think run
   * there but it does not know were lost with its previous process; executions it runs
   * that already ended here (cancelled meanwhile) are killed.
   */
  async #reconcile(executorId: string, stillRunning: string[]): Promise<void> {
    const running = new Set(stillRunning);
    const orphans: Array<{ id: string }> = [];
    // Only runs that reached it: one routed but not yet delivered is still on its way.
    for (const execution of await this.#deps.store.executions.runningOn(executorId, true)) {
      if (running.has(execution.id)) continue;
      if (execution.startTime === null) {
        // Sent but never reported started: the message died with the connection. Send it again.
        await this.#deps.store.executions.undeliver(execution.id);
        continue;
      }
      await this.finisher.finish({ executionId: execution.id, status: 'failed', by: 'server', error: text('run.executorRestarted'), reason: 'executor_lost' });
      orphans.push({ id: execution.id }); // its process may have outlived the executor: kill it
    }
    for (const id of running) {
      const execution = await this.#deps.store.executions.get(id);
      if (!execution || execution.status !== 'running' || execution.executorId !== executorId) orphans.push({ id });
    }
    if (orphans.length > 0) this.send(executorId, { action: 'kill', tasks: orphans });
    this.#deps.redeliver?.();
  }

  /**
   * Every report is judged against the executor this connection said hello as: an agent
   * can report only on executions given to it, never name another executor.
   */
  async #handle(executorId: string, link: ExecutorLink, message: ExecutorMessage, reply: (message: ServerMessage) => void): Promise<void> {
    const now = this.#deps.clock.now();
    switch (message.action) {
      case 'heartbeat':
        if (!(await this.#deps.store.executors.heartbeat(executorId, this.#options.instanceId, now))) {
          // Removed through another instance (the one that removed it closes its own links):
          // end this link; a reconnect registers it again, in maintenance (store/executors.ts remove).
          link.send({ action: 'error', code: 'not_found', message: REMOVED_MESSAGE });
          link.close('removed by an admin');
          return;
        }
        await this.#credentials.check();
        return;
      case 'log':
        return this.#reports.log(executorId, message, now);
      case 'task_update': {
        const final = message.data.status !== 'running';
        try {
          if (message.worker_id !== '' && message.worker_id !== executorId) {
            throw new CronfleetError('invalid_request', `worker_id '${message.worker_id}' is not the executor of this connection`, { worker_id: message.worker_id });
          }
          await this.#reports.update(executorId, message);
        } catch (error) {
          // A report that will never be taken (not this executor's) is acknowledged too,
          // so the agent stops re-sending it; one that failed to store is not.
          if (!(final && error instanceof CronfleetError && error.code === 'invalid_request')) throw error;
          reply({ action: 'error', code: error.code, message: error.message });
          reply({ action: 'ack', task_ids: [message.task_id] });
          return;
        }
        // Stored (or already known): the executor may stop re-sending this report.
        if (final) reply({ action: 'ack', task_ids: [message.task_id] });
        return;
      }
      case 'hello':
        return;
    }
  }
}

/** The execution a frame is about, if it is about one. */
function executionOf(message: ExecutorMessage): string | null {
  if (message.action === 'task_update') return message.task_id;
  if (message.action === 'log') return message.execution_id;
  return null;
}
