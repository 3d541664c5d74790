// The executor inside `cronfleet up`: a real Agent joined to this server's gateway by
// an in-process pipe. Messages are JSON round-tripped so it speaks exactly the wire
// protocol a remote agent speaks.
import { hostname } from 'node:os';
import type { Connection, ExecutorGateway } from '../dispatch/gateway.ts';
import { Agent } from '../executor/agent.ts';
import { defaultRunners, type Runner } from '../executor/runners/index.ts';
import type { OutputLimits } from '../executor/output.ts';
import type { ExecutorMessage, ServerMessage } from '../protocol/executor-messages.ts';

export interface LocalExecutorOptions {
  name: string;
  capacity: number;
  labels: Record<string, string>;
  version: string;
  heartbeatIntervalMs: number;
  runners?: Runner[];
  outputLimits?: OutputLimits;
  killGraceMs?: number;
}

export interface LocalExecutor {
  agent: Agent;
  stop(): Promise<void>;
}

export async function startLocalExecutor(gateway: ExecutorGateway, options: LocalExecutorOptions): Promise<LocalExecutor> {
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
    ...(options.outputLimits ? { outputLimits: options.outputLimits } : {}),
    ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
    send(message: ExecutorMessage) {
      const copy = JSON.parse(JSON.stringify(message)) as ExecutorMessage;
      inbound = inbound.then(() => connection?.receive(copy)).catch(() => {});
    },
  });
  connection = gateway.connect({
    send(message: ServerMessage) {
      const copy = JSON.parse(JSON.stringify(message)) as ServerMessage;
      queueMicrotask(() => agent.handle(copy));
    },
  });
  await connection.receive(agent.hello());
  const heartbeat = setInterval(() => void connection?.receive({ action: 'heartbeat', running: agent.runningIds() }), options.heartbeatIntervalMs);
  heartbeat.unref();
  let stopped = false;
  return {
    agent,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(heartbeat);
      await agent.stop();
      await inbound;
      await connection?.close();
    },
  };
}
