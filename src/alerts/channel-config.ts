// The settings of each channel type, checked and sealed. A channel's `config` is one JSON
// object; the fields a type names secret (webhook URLs that carry a key, signing secrets,
// SMTP passwords) are stored sealed and read back as {"secret":true}, as task secrets are
// (domain/secrets.ts). A client writes a secret field as a plain string or as
// {"secret":"<value>"}; sending {"secret":true} back in an update keeps the stored value.
import { CronfleetError } from '../protocol/errors.ts';
import type { ChannelType } from '../protocol/enums.ts';
import { text } from '../protocol/messages/index.ts';

type FieldKind = 'url' | 'text' | 'port' | 'boolean' | 'emails';

interface FieldSpec {
  kind: FieldKind;
  required: boolean;
  secret: boolean;
}

const field = (kind: FieldKind, required: boolean, secret = false): FieldSpec => ({ kind, required, secret });

/** Every type's fields; anything else in `config` is refused. */
const channelFields: Record<ChannelType, Record<string, FieldSpec>> = {
  // A generic JSON POST; signed when `secret` is set (README "Alerts" → webhook).
  webhook: { url: field('url', true), secret: field('text', false, true) },
  // SMTP: STARTTLS is required on a plain port; `secure` is TLS from the first byte (465).
  email: {
    host: field('text', true),
    port: field('port', false),
    secure: field('boolean', false),
    tls_verify: field('boolean', false),
    username: field('text', false),
    password: field('text', false, true),
    from: field('text', true),
    to: field('emails', true),
  },
  slack: { webhook_url: field('url', true, true) },
  feishu: { webhook_url: field('url', true, true), secret: field('text', false, true) },
  dingtalk: { webhook_url: field('url', true, true), secret: field('text', false, true) },
  wecom: { webhook_url: field('url', true, true) },
};

/** A stored secret field: its sealed value. */
interface Sealed {
  $sealed: string;
}

export type StoredConfig = Record<string, unknown>;

export interface Sealer {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

const invalid = (field: string, message: ReturnType<typeof text>) => new CronfleetError('invalid_request', message, { field });
const isSealed = (value: unknown): value is Sealed => typeof value === 'object' && value !== null && typeof (value as Sealed).$sealed === 'string';
const isKept = (value: unknown) => typeof value === 'object' && value !== null && (value as { secret?: unknown }).secret === true && Object.keys(value).length === 1;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

/**
 * The config to store for a channel of `type`: each field checked, secrets sealed, a
 * kept secret ({"secret":true}) taken from `previous` (the stored config of the same
 * type), unknown fields refused. Errors name the field (`config.<name>`).
 */
export function sealChannelConfig(type: ChannelType, config: Record<string, unknown>, previous: StoredConfig | null, sealer: Sealer): StoredConfig {
  const fields = channelFields[type];
  for (const name of Object.keys(config)) {
    if (!(name in fields)) throw invalid(`config.${name}`, text('channel.unknownField', { field: name, type, fields: Object.keys(fields).join(', ') }));
  }
  const stored: StoredConfig = {};
  for (const [name, spec] of Object.entries(fields)) {
    const path = `config.${name}`;
    let value = config[name];
    if (value === undefined || value === null || value === '') {
      if (spec.required) throw invalid(path, text('channel.fieldRequired', { field: name, type }));
      continue;
    }
    if (spec.secret) {
      if (isKept(value)) {
        const kept = previous?.[name];
        if (!isSealed(kept)) throw invalid(path, text('channel.noSecretToKeep', { field: name }));
        stored[name] = kept;
        continue;
      }
      if (typeof value === 'object' && value !== null && typeof (value as { secret?: unknown }).secret === 'string') value = (value as { secret: string }).secret;
    }
    const checked = checkField(path, name, spec.kind, value);
    stored[name] = spec.secret ? { $sealed: sealer.seal(String(checked)) } : checked;
  }
  return stored;
}

function checkField(path: string, name: string, kind: FieldKind, value: unknown): unknown {
  switch (kind) {
    case 'text':
      if (typeof value !== 'string' || value.length > 2000) throw invalid(path, text('channel.fieldText', { field: name }));
      return value;
    case 'url': {
      const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : null;
      if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || String(value).length > 2000) throw invalid(path, text('channel.fieldUrl', { field: name }));
      return value;
    }
    case 'port':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65_535) throw invalid(path, text('channel.fieldPort', { field: name }));
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(path, text('channel.fieldBoolean', { field: name }));
      return value;
    case 'emails': {
      const list = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(list) || list.length === 0 || list.length > 50 || !list.every((entry) => typeof entry === 'string' && EMAIL.test(entry))) {
        throw invalid(path, text('channel.fieldEmails', { field: name }));
      }
      return list;
    }
  }
}

/** The config as every read shows it: each sealed secret as {"secret":true}. */
export function shownChannelConfig(config: StoredConfig): StoredConfig {
  return Object.fromEntries(Object.entries(config).map(([name, value]) => [name, isSealed(value) ? { secret: true } : value]));
}

/** The config with its secrets opened, for sending only. */
export function openChannelConfig(config: StoredConfig, sealer: Sealer): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).map(([name, value]) => [name, isSealed(value) ? sealer.open(value.$sealed) : value]));
}
