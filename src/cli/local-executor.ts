// The executor inside `cronfleet up`: a real Agent joined to this server's gateway by
// an in-process pipe. Every message is serialised and validated exactly as on the
// WebSocket, so it speaks the protocol a remote agent speaks. Its identity (`local@host`)
// is bound to the in-process credential: no network token can claim it. Whenever the
// gateway ends its link (a silence deadline, anything), it attaches again by itself:
// results not yet acknowledged are sent again, and runs still going are kept.
import { hostname } from 'node:os';
import type { ExecutorGateway } from '../dispatch/gateway.ts';
import type { Connection } from '../dispatch/gateway-contracts.ts';
import { Agent } from '../executor/agent.ts';
import { defaultRunners, type Runner } from '../executor/runners/index.ts';
import { outputLimitsFor, type OutputLimits } from '../executor/output.ts';
import { resolveExecutorPolicy, type ExecutorPolicySettings } from '../executor/policy.ts';
import { UnackedResults } from '../executor/unacked-results.ts';
import { IN_PROCESS_INSTANCE_PREFIX } from '../protocol/enums.ts';
import type { ExecutorMessage, ServerMessage } from '../protocol/executor-messages.ts';
import { parseServerMessage } from '../protocol/executor-validation.ts';
import type { SpanSink } from '../domain/trace-context.ts';

export interface LocalExecutorOptions {
  name: string;
  capacity: number;
  labels: Record<string, string>;
  version: string;
  runners?: Runner[];
  outputLimits?: OutputLimits;
  killGraceMs?: number;
  /** The `local_executor.*` safety keys (config.ts); resolved here, so a bad one fails the start naming its key. */
  safety?: LocalExecutorSafety;
  /** Where the policy's notes go at start (how the memory limit is enforced, …). */
  log?: (message: string) => void;
  /** The server's span sink when tracing is on (Server.tracing): runs are traced as on a remote agent. */
  spans?: SpanSink | null;
}

interface LocalExecutorSafety extends ExecutorPolicySettings {
  maxOutputBytes?: number | null;
}

/** Config keys as named in errors about them. */
const safetyKeys = {
  allowCommands: 'local_executor.allow_commands',
  runAs: 'local_executor.run_as',
  maxTimeoutSeconds: 'local_executor.max_timeout_seconds',
  maxMemoryMb: 'local_executor.max_memory_mb',
};

export interface LocalExecutor {
  agent: Agent;
  /** True while the gateway has welcomed the current link. */
  readonly attached: boolean;
  stop(): Promise<void>;
}

/** Messages kept while the link is being replaced (results are kept apart, unacknowledged). */
const QUEUE_LIMIT = 10_000;
const REATTACH_MAX_MS = 5000;

export async function startLocalExecutor(gateway: ExecutorGateway, options: LocalExecutorOptions): Promise<LocalExecutor> {
  const policy = await resolveExecutorPolicy(options.safety ?? {}, safetyKeys);
  for (const note of policy.notes) options.log?.(`local executor: ${note}`);
  const maxOutputBytes = options.safety?.maxOutputBytes;
  const outputLimits = options.outputLimits ?? (maxOutputBytes ? outputLimitsFor(maxOutputBytes) : null);
  let connection: Connection | null = null;
  let welcomed = false;
  let stopped = false;
  let attempt = 0;
  let reattachTimer: NodeJS.Timeout | null = null;
  let queue: ExecutorMessage[] = [];
  // Frames go to the gateway at once, in the order they were sent (it keeps each
  // execution's frames in that order); `inbound` settles when all of them are handled.
  let inbound: Promise<void> = Promise.resolve();
  const deliver = (target: Connection, message: ExecutorMessage) => {
    const handled = target.receiveRaw(JSON.stringify(message)); // never rejects
    inbound = Promise.all([inbound, handled]).then(() => {});
  };
  const unacked = new UnackedResults((message) => {
    if (welcomed && connection) deliver(connection, message);
  });
  const agent = new Agent({
    name: options.name,
    // Stable across restarts, so a restarted server reconciles this executor's runs.
    instanceId: `${IN_PROCESS_INSTANCE_PREFIX}${hostname()}`,
    labels: options.labels,
    capacity: options.capacity,
    runners: options.runners ?? defaultRunners(),
    version: options.version,
    policy,
    spans: options.spans ?? null,
    ...(outputLimits ? { outputLimits } : {}),
    ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
    send(message: ExecutorMessage) {
      const final = message.action === 'task_update' && message.data.status !== 'running';
      if (final) unacked.remember(message);
      if (welcomed && connection) return deliver(connection, message);
      if (message.action === 'heartbeat' || final) return; // a late heartbeat is worthless; results wait in `unacked`
      queue.push(message);
      if (queue.length > QUEUE_LIMIT) queue.shift();
    },
  });

  const received = (current: Connection, message: ServerMessage) => {
    if (connection !== current) return; // from a link already replaced
    if (message.action === 'ack') return unacked.acknowledge(message.task_ids);
    if (message.action === 'error') {
      if (welcomed) unacked.failed(); // maybe a result it could not store: those sent so far may go again
      return options.log?.(`local executor: ${message.code}: ${message.message}`);
    }
    agent.handle(message);
    if (message.action !== 'welcome') return;
    welcomed = true;
    attempt = 0;
    const queued = queue;
    queue = [];
    for (const queuedMessage of queued) deliver(current, queuedMessage);
    for (const result of unacked.messages()) deliver(current, result);
    unacked.connected();
  };

  const detached = (current: Connection, reason: string) => {
    if (connection !== current || stopped) return;
    connection = null;
    welcomed = false;
    unacked.disconnected();
    options.log?.(`local executor: link ended (${reason}); attaching again`);
    inbound = inbound.then(() => current.close()).catch(() => {});
    const delay = Math.min(REATTACH_MAX_MS, 50 * 2 ** attempt);
    attempt += 1;
    reattachTimer = setTimeout(() => {
      reattachTimer = null;
      attach();
    }, delay);
  };

  const attach = () => {
    if (stopped) return;
    const current: Connection = gateway.connect(
      {
        send(message: ServerMessage) {
          const parsed = parseServerMessage(JSON.stringify(message));
          queueMicrotask(() => received(current, parsed));
        },
        // Whatever the reason the gateway gives up this link, the executor comes back.
        close(reason: string) {
          queueMicrotask(() => detached(current, reason));
        },
      },
      { inProcess: true },
    );
    connection = current;
    const hello = agent.hello();
    hello.running = [...new Set([...hello.running, ...unacked.ids()])];
    deliver(current, hello);
  };

  attach();
  await inbound;
  return {
    agent,
    get attached() {
      return welcomed;
    },
    async stop() {
      if (stopped) return;
      await agent.stop();
      stopped = true;
      if (reattachTimer) clearTimeout(reattachTimer);
      reattachTimer = null;
      unacked.stop();
      await inbound;
      const current = connection;
      connection = null;
      await current?.close();
    },
  };
}
