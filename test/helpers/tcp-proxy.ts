// A TCP proxy on loopback for fault tests: it forwards to a target until told to
// misbehave. `blackhole()` keeps every connection open but forwards nothing (a dead link
// that never closes: what a pulled cable or a stopped peer looks like); `cut()` destroys
// every connection and refuses new ones (a crashed host); `restore()` forwards again.
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export type TcpProxyMode = 'forward' | 'blackhole' | 'cut';

export interface TcpProxy {
  /** `host:port` of the proxy's listening side. */
  readonly address: string;
  /** `http://host:port`, to use in place of the target's URL. */
  readonly url: string;
  readonly mode: TcpProxyMode;
  /** Number of client connections currently open through the proxy. */
  connections(): number;
  /** Listens (idempotent) and resolves once the port is known. */
  start(): Promise<void>;
  /** Keeps connections open but drops every byte in both directions; new connections are accepted and starved too. */
  blackhole(): void;
  /** Destroys every connection and refuses (resets) new ones until `restore()`. */
  cut(): void;
  /** Forwards again. Connections that were blackholed stay starved: their bytes were lost, so the peers must reconnect. */
  restore(): void;
  /** Closes the listener and every connection (idempotent). */
  stop(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Set once this pair lost bytes: it never forwards again (a TCP stream cannot skip a gap). */
  starved: boolean;
}

/** A proxy to `target` ("host:port" or a URL such as "http://127.0.0.1:8080"); call `start()` before use. */
export function createTcpProxy(target: string, options: { port?: number } = {}): TcpProxy {
  const { host: targetHost, port: targetPort } = parseTarget(target);
  const pairs = new Set<Pair>();
  let mode: TcpProxyMode = 'forward';
  let listening: Promise<void> | null = null;
  let port = options.port ?? 0;

  const server: Server = createServer((client) => {
    if (mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: targetHost, port: targetPort });
    const pair: Pair = { client, upstream, starved: mode === 'blackhole' };
    pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (data) => {
        if (mode === 'forward' && !pair.starved) to.write(data);
        else pair.starved = true;
      });
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    // Errors end the pair; a proxy in a test must never crash the test process.
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  server.on('error', () => {});

  const destroyAll = () => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    pairs.clear();
  };

  return {
    get address() {
      return `127.0.0.1:${port}`;
    },
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get mode() {
      return mode;
    },
    connections: () => pairs.size,
    start() {
      listening ??= new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          port = (server.address() as AddressInfo).port;
          resolve();
        });
      });
      return listening;
    },
    blackhole() {
      mode = 'blackhole';
    },
    cut() {
      mode = 'cut';
      destroyAll();
    },
    restore() {
      mode = 'forward';
    },
    async stop() {
      mode = 'cut';
      destroyAll();
      if (!listening) return;
      listening = null;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parseTarget(target: string): { host: string; port: number } {
  const url = new URL(target.includes('://') ? target : `tcp://${target}`);
  const port = Number(url.port);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`tcp proxy target needs a port: ${target}`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}
