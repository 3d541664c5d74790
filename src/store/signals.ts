// Wake-ups between instances. PostgreSQL pushes them with LISTEN/NOTIFY; on other
// dialects notify() is a no-op and listeners rely on their short polling instead
// (DESIGN §3). A signal only says "look at the database now"; it carries no state.
import type pg from 'pg';

/** deliver: routed work waits for the instance holding the socket. dispatch: the leader has work (a finish, a trigger, a task change). */
export type Channel = 'cronfleet_deliver' | 'cronfleet_dispatch';

export interface Signals {
  /** True when notifications arrive without polling. */
  readonly pushes: boolean;
  notify(channel: Channel): Promise<void>;
  listen(channel: Channel, callback: () => void): void;
  close(): Promise<void>;
}

const quiet: Signals = { pushes: false, notify: async () => {}, listen: () => {}, close: async () => {} };

/** `pushes`: the dialect's supportsNotify (only PostgreSQL's LISTEN/NOTIFY is implemented). */
export function openSignals(url: string, pushes: boolean, onError: (error: Error) => void): Signals {
  return pushes ? new PostgresSignals(url, onError) : quiet;
}

class PostgresSignals implements Signals {
  readonly pushes = true;
  readonly #url: string;
  readonly #onError: (error: Error) => void;
  readonly #listeners = new Map<Channel, Array<() => void>>();
  #client: pg.Client | null = null;
  #connecting: Promise<pg.Client> | null = null;
  #closed = false;
  #retry: NodeJS.Timeout | null = null;

  constructor(url: string, onError: (error: Error) => void) {
    this.#url = url;
    this.#onError = onError;
  }

  async notify(channel: Channel): Promise<void> {
    try {
      const client = await this.#connect();
      await client.query(`notify ${channel}`);
    } catch (error) {
      this.#onError(error as Error); // the receivers' polling still finds the work
    }
  }

  listen(channel: Channel, callback: () => void): void {
    const first = !this.#listeners.has(channel);
    this.#listeners.set(channel, [...(this.#listeners.get(channel) ?? []), callback]);
    if (first)
      void this.#connect()
        .then((client) => client.query(`listen ${channel}`))
        .catch((error: Error) => this.#onError(error));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  #connect(): Promise<pg.Client> {
    if (this.#client) return Promise.resolve(this.#client);
    this.#connecting ??= (async () => {
      const { Client } = (await import('pg')).default;
      // A connect timeout and TCP keepalive: a link that vanished silently (a cut proxy, a
      // dead host) must end in an error, which reconnects, not in a wait forever.
      const client = new Client({ connectionString: this.#url, connectionTimeoutMillis: 10_000, keepAlive: true });
      client.on('notification', (message) => {
        for (const callback of this.#listeners.get(message.channel as Channel) ?? []) callback();
      });
      client.on('error', (error) => {
        this.#onError(error);
        this.#lost(client);
      });
      client.on('end', () => this.#lost(client));
      try {
        await client.connect();
        for (const channel of this.#listeners.keys()) await client.query(`listen ${channel}`);
      } catch (error) {
        await client.end().catch(() => {});
        this.#lost(client);
        throw error;
      }
      if (this.#closed) {
        // closed while connecting: this client must not outlive the store
        await client.end().catch(() => {});
        throw new Error('signals closed');
      }
      this.#client = client;
      return client;
    })().finally(() => {
      this.#connecting = null;
    });
    return this.#connecting;
  }

  /** The listening connection dropped (database restart): reconnect and listen again. */
  #lost(client: pg.Client): void {
    if (this.#client === client) this.#client = null;
    if (this.#closed || this.#retry || this.#listeners.size === 0) return;
    this.#retry = setTimeout(() => {
      this.#retry = null;
      void this.#connect().catch(() => this.#lost(client));
    }, 1000);
    this.#retry.unref();
  }
}
