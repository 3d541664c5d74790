// What the executor gateway (gateway.ts) is given and gives: a transport's link to one
// executor, the server's parts it works with, and the Connection a transport feeds frames to.
import type { Clock } from '../domain/clock.ts';
import type { ServerMessage } from '../protocol/executor-messages.ts';
import type { SecretOpener } from '../store/secret-cipher.ts';
import type { Store } from '../store/store.ts';
import type { DispatchEvents, TypedEmitter } from './events.ts';
import type { ExecutionFinisher } from './execution-finisher.ts';

export interface ExecutorLink {
  send(message: ServerMessage): void;
  /**
   * Ends the transport (a silent, refused or misbehaving executor). Must not wait for a
   * peer that may never answer; the in-process executor reattaches after it.
   */
  close(reason: string): void;
}

export interface GatewayDeps {
  store: Store;
  clock: Clock;
  events: TypedEmitter<DispatchEvents>;
  /** New work or free capacity for the leader's dispatcher. */
  wake(): void;
  /** Runs routed but not delivered wait for this instance's delivery loop. */
  redeliver?: () => void;
  /** The one component that finishes executions, shared with the HTTP executors, the dispatcher and the sweeps. */
  finisher: ExecutionFinisher;
  /** The cluster's secret cipher: opens secrets into run messages. */
  secrets: SecretOpener;
}

export interface GatewayOptions {
  instanceId: string;
  heartbeatIntervalMs: number;
  /** A server instance silent this long is gone: the links it held are dead (as in dispatch). */
  instanceTimeoutMs: number;
}

export interface ConnectOptions {
  /**
   * The built-in executor of `cronfleet up`, joined by an in-process pipe: it needs no
   * token and is bound to IN_PROCESS_CREDENTIAL. Network transports pass false: their
   * hello must prove an executor token, and may not claim the in-process identity space.
   */
  inProcess: boolean;
}

export interface Connection {
  /** One frame as received: validated here; a bad frame gets an error frame back. Never rejects. */
  receiveRaw(raw: string | Buffer): Promise<void>;
  /** A sign of life below the protocol (a WebSocket pong): pushes the liveness deadline back. */
  heard(): void;
  close(): Promise<void>;
}
