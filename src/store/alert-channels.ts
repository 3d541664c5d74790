// Notification channels (issue 16): a name, a type, the language its messages are written
// in, and the type's settings as stored (secrets sealed; alerts/channel-config.ts).
import type { Kysely } from 'kysely';
import type { ChannelLocale, ChannelType } from '../protocol/enums.ts';
import { fromJson, toJson, toNumber } from './json.ts';
import type { Database } from './schema.ts';

interface AlertChannelsTable {
  id: string;
  name: string;
  type: string;
  locale: string;
  config: string;
  created_at: number;
  updated_at: number;
}

type WithChannels = Database & { alert_channels: AlertChannelsTable };

export interface AlertChannel {
  id: string;
  name: string;
  type: ChannelType;
  locale: ChannelLocale;
  /** As stored: secret fields sealed. */
  config: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export type ChannelFields = Pick<AlertChannel, 'name' | 'type' | 'locale' | 'config'>;

export class AlertChannelRepository {
  readonly #db: Kysely<WithChannels>;

  constructor(db: Kysely<Database>) {
    this.#db = db.withTables<{ alert_channels: AlertChannelsTable }>();
  }

  async list(): Promise<AlertChannel[]> {
    const rows = await this.#db.selectFrom('alert_channels').selectAll().orderBy('name').orderBy('id').execute();
    return rows.map(rowToChannel);
  }

  async get(id: string): Promise<AlertChannel | null> {
    const row = await this.#db.selectFrom('alert_channels').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToChannel(row) : null;
  }

  async insert(id: string, fields: ChannelFields, now: number): Promise<AlertChannel> {
    const row = { id, name: fields.name, type: fields.type, locale: fields.locale, config: toJson(fields.config), created_at: now, updated_at: now };
    await this.#db.insertInto('alert_channels').values(row).execute();
    return rowToChannel(row);
  }

  /** Replaces a channel's fields; null when it does not exist. */
  async update(id: string, fields: ChannelFields, now: number): Promise<AlertChannel | null> {
    const result = await this.#db
      .updateTable('alert_channels')
      .set({ name: fields.name, type: fields.type, locale: fields.locale, config: toJson(fields.config), updated_at: now })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0 ? this.get(id) : null;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('alert_channels').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function rowToChannel(row: AlertChannelsTable): AlertChannel {
  return {
    id: row.id,
    name: row.name,
    type: row.type as ChannelType,
    locale: row.locale as ChannelLocale,
    config: fromJson<Record<string, unknown>>(row.config, {}),
    createdAt: toNumber(row.created_at),
    updatedAt: toNumber(row.updated_at),
  };
}
