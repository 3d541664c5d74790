// Which executor token each network link proved, so that a token's revocation (or
// expiry) ends its links: at once for a revoke made through this process, and within a
// heartbeat interval for one made through another instance (checked on heartbeats, one
// query for all the tokens held here). Also where a refused hello is put on record.
import { newId } from '../domain/ids.ts';
import type { CronfleetError } from '../protocol/errors.ts';
import type { HelloMessage } from '../protocol/executor-messages.ts';
import type { Store } from '../store/store.ts';
import type { DispatchEvents, TypedEmitter } from './events.ts';

/** The part of a link this needs (gateway.ts ExecutorLink). */
export interface ClosableLink {
  send(message: { action: 'error'; code: string; message: string }): void;
  close(reason: string): void;
}

export class LinkCredentials<Link extends ClosableLink> {
  readonly #store: Store;
  readonly #events: TypedEmitter<DispatchEvents>;
  readonly #checkEveryMs: number;
  readonly #tokens = new Map<Link, string>();
  readonly #stopListening: () => void;
  #checkedAt = 0;

  constructor(store: Store, events: TypedEmitter<DispatchEvents>, checkEveryMs: number) {
    this.#store = store;
    this.#events = events;
    this.#checkEveryMs = checkEveryMs;
    this.#stopListening = store.executorTokens.onRevoked((tokenId) => this.#closeRevoked([tokenId]));
  }

  set(link: Link, tokenId: string): void {
    this.#tokens.set(link, tokenId);
  }

  delete(link: Link): void {
    this.#tokens.delete(link);
  }

  /** Called on heartbeats: at most once per interval, ends the links of tokens no longer usable. */
  async check(): Promise<void> {
    const now = Date.now();
    if (now - this.#checkedAt < this.#checkEveryMs || this.#tokens.size === 0) return;
    this.#checkedAt = now;
    this.#closeRevoked(await this.#store.executorTokens.unusable([...new Set(this.#tokens.values())], now));
  }

  /** A hello for an identity its credential may not take: in the server log and the audit log. */
  async refused(hello: HelloMessage, error: CronfleetError, instanceId: string, now: number): Promise<void> {
    this.#events.emit('error', { error });
    const existing = await this.#store.executors.getByInstanceId(hello.instance_id).catch(() => null);
    await this.#store.audit
      .record({
        id: newId(now),
        at: now,
        actor: 'executor',
        action: 'executor.hello_refused',
        resourceType: 'executor',
        resourceId: existing?.id ?? null,
        before: null,
        after: { instance_id: hello.instance_id, name: hello.name, code: error.code, reason: error.details?.reason ?? null, instance: instanceId },
        ip: null,
      })
      .catch((auditError: unknown) => this.#events.emit('error', { error: auditError }));
  }

  close(): void {
    this.#stopListening();
    this.#tokens.clear();
  }

  #closeRevoked(tokenIds: string[]): void {
    const revoked = new Set(tokenIds);
    for (const [link, tokenId] of this.#tokens) {
      if (!revoked.has(tokenId)) continue;
      this.#tokens.delete(link);
      link.send({ action: 'error', code: 'unauthorized', message: 'the executor token of this connection was revoked or expired' });
      link.close('executor token revoked');
    }
  }
}
