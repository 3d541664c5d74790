// Channels as the API manages them: checked and sealed on the way in, and a test message
// that reports what the receiver said.
import type { Clock } from '../domain/clock.ts';
import { newId } from '../domain/ids.ts';
import type { ChannelLocale } from '../protocol/enums.ts';
import { CronfleetError } from '../protocol/errors.ts';
import { text } from '../protocol/messages/index.ts';
import type { ChannelBody } from '../protocol/alert-schemas.ts';
import type { AlertChannel } from '../store/alert-channels.ts';
import type { Store } from '../store/store.ts';
import type { Resolver } from '../executor/network-policy.ts';
import { openChannelConfig, sealChannelConfig, type Sealer } from './channel-config.ts';
import { sendAlert, type SendOutcome } from './senders.ts';

export interface ChannelServiceDeps {
  store: Store;
  clock: Clock;
  secrets: Sealer;
  /** How long a send may take before it counts as failed. */
  sendTimeoutMs: number;
  /** Tests resolve names their own way; the system resolver otherwise. */
  resolver?: Resolver;
}

export class ChannelService {
  readonly #deps: ChannelServiceDeps;

  constructor(deps: ChannelServiceDeps) {
    this.#deps = deps;
  }

  list(): Promise<AlertChannel[]> {
    return this.#deps.store.alertChannels.list();
  }

  async get(id: string): Promise<AlertChannel> {
    const channel = await this.#deps.store.alertChannels.get(id);
    if (!channel) throw new CronfleetError('not_found', text('channel.notFound', { id }), { id });
    return channel;
  }

  async create(body: ChannelBody): Promise<AlertChannel> {
    const now = this.#deps.clock.now();
    const config = sealChannelConfig(body.type, body.config, null, this.#deps.secrets);
    return this.#deps.store.alertChannels.insert(newId(now), { name: body.name, type: body.type, locale: body.locale ?? 'en', config }, now);
  }

  /** Replaces a channel's settings; its type stays (secrets kept with {"secret":true} belong to it). */
  async update(id: string, body: ChannelBody): Promise<AlertChannel> {
    const current = await this.get(id);
    if (body.type !== current.type) throw new CronfleetError('invalid_request', text('channel.typeChange'), { field: 'type' });
    const config = sealChannelConfig(body.type, body.config, current.config, this.#deps.secrets);
    const updated = await this.#deps.store.alertChannels.update(id, { name: body.name, type: body.type, locale: body.locale ?? current.locale, config }, this.#deps.clock.now());
    if (!updated) throw new CronfleetError('not_found', text('channel.notFound', { id }), { id });
    return updated;
  }

  async delete(id: string): Promise<void> {
    if (!(await this.#deps.store.alertChannels.delete(id))) throw new CronfleetError('not_found', text('channel.notFound', { id }), { id });
  }

  /** Sends a test message in the channel's language; answers with what the receiver said. */
  async test(id: string): Promise<SendOutcome> {
    const channel = await this.get(id);
    const locale: ChannelLocale = channel.locale;
    const now = this.#deps.clock.now();
    const message = {
      channelId: channel.id,
      alertId: `test-${newId(now)}`,
      title: text('alert.testTitle', { name: channel.name }).in(locale),
      body: text('alert.testBody').in(locale),
      link: null,
      data: { event: 'test', channel: { id: channel.id, name: channel.name }, sent_at: new Date(now).toISOString() },
    };
    return sendAlert(channel.type, openChannelConfig(channel.config, this.#deps.secrets), message, {
      timeoutMs: this.#deps.sendTimeoutMs,
      now: () => this.#deps.clock.now(),
      ...(this.#deps.resolver ? { resolver: this.#deps.resolver } : {}),
    });
  }
}
