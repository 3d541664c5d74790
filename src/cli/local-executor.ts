// The executor inside `cronfleet up`: a real Agent joined to this server's gateway by
// an in-process pipe. Every message is serialised and validated exactly as on the
// WebSocket, so it speaks the protocol a remote agent speaks.
import { hostname } from 'node:os';
import type { Connection, ExecutorGateway } from '../dispatch/gateway.ts';
import { Agent } from '../executor/agent.ts';
import { defaultRunners, type Runner } from '../executor/runners/index.ts';
import { outputLimitsFor, type OutputLimits } from '../executor/output.ts';
import { resolveExecutorPolicy, type ExecutorPolicySettings } from '../executor/policy.ts';
import type { ExecutorMessage, ServerMessage } from '../protocol/executor-messages.ts';
import { parseServerMessage } from '../protocol/executor-validation.ts';

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
}

export interface LocalExecutorSafety extends ExecutorPolicySettings {
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
  stop(): Promise<void>;
}

export async function startLocalExecutor(gateway: ExecutorGateway, options: LocalExecutorOptions): Promise<LocalExecutor> {
  const policy = await resolveExecutorPolicy(options.safety ?? {}, safetyKeys);
  for (const note of policy.notes) options.log?.(`local executor: ${note}`);
  const maxOutputBytes = options.safety?.maxOutputBytes;
  const outputLimits = options.outputLimits ?? (maxOutputBytes ? outputLimitsFor(maxOutputBytes) : null);
  let connection: Connection | null = null;
  // Serialise deliveries so the gateway sees messages in the order they were sent.
  let inbound: Promise<void> = Promise.resolve();
  const agent = new Agent({
    name: options.name,
    // Stable across restarts, so a restarted server reconciles this executor's runs.
    instanceId: `local@${hostname()}`,
    labels: options.labels,
    capacity: options.capacity,
    runners: options.runners ?? defaultRunners(),
    version: options.version,
    policy,
    ...(outputLimits ? { outputLimits } : {}),
    ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
    send(message: ExecutorMessage) {
      const frame = JSON.stringify(message);
      inbound = inbound.then(() => connection?.receiveRaw(frame)).catch(() => {});
    },
  });
  connection = gateway.connect(
    {
      send(message: ServerMessage) {
        const parsed = parseServerMessage(JSON.stringify(message));
        queueMicrotask(() => agent.handle(parsed));
      },
      close() {}, // in-process: lives as long as the server
    },
    { authenticated: true },
  );
  await connection.receiveRaw(JSON.stringify(agent.hello()));
  let stopped = false;
  return {
    agent,
    async stop() {
      if (stopped) return;
      stopped = true;
      await agent.stop();
      await inbound;
      await connection?.close();
    },
  };
}
