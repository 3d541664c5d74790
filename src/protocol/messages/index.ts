// Server messages in English and Simplified Chinese. A message is a key and its parameters
// (a LocalizedText), worded by one catalog per language when a response is written, in the
// language the client asked for (Accept-Language). Clients match on error codes, never on
// words; the words are for the people reading them.
import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';

export type MessageLocale = 'en' | 'zh-CN';
export type MessageKey = keyof typeof en;
type ParamsOf<K extends MessageKey> = Parameters<(typeof en)[K]>[0];
/** A parameter may itself be a message (a field's problem inside "field: problem"): worded in the same language. */
type LooseParams<K extends MessageKey> = ParamsOf<K> extends undefined ? [] : [params: { [P in keyof ParamsOf<K>]: ParamsOf<K>[P] | LocalizedText }];

const catalogs: Record<MessageLocale, Record<MessageKey, (params: never) => string>> = { en, 'zh-CN': zhCN };

export class LocalizedText {
  readonly key: MessageKey;
  readonly params: Readonly<Record<string, unknown>>;

  constructor(key: MessageKey, params: Record<string, unknown> = {}) {
    this.key = key;
    this.params = params;
  }

  in(locale: MessageLocale): string {
    const params = Object.fromEntries(Object.entries(this.params).map(([name, value]) => [name, value instanceof LocalizedText ? value.in(locale) : value]));
    return (catalogs[locale][this.key] as (params: Record<string, unknown>) => string)(params);
  }

  /** English: where a message is logged or printed rather than answered. */
  toString(): string {
    return this.in('en');
  }

  /** As stored or sent: {key, params}, a parameter that is a message nested the same way. */
  toJSON(): MessageJson {
    return { key: this.key, params: Object.fromEntries(Object.entries(this.params).map(([name, value]) => [name, value instanceof LocalizedText ? value.toJSON() : (value as string | number)])) };
  }
}

/** A message as stored (executions.error_detail) or sent by an executor (task_update data.error_detail). */
export interface MessageJson {
  key: string;
  params: Record<string, string | number | boolean | MessageJson>;
}

/**
 * A stored or received message read back: null unless it is {key, params} with a key of
 * the catalog (that `accept` admits) and parameters that are strings, numbers, booleans or
 * such messages (at most 3 deep). A message from a newer version, or sent by someone else,
 * is then simply not worded here.
 */
export function messageFromJson(value: unknown, accept: (key: string) => boolean = () => true, depth = 0): LocalizedText | null {
  if (depth > 3 || typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const { key, params } = value as { key?: unknown; params?: unknown };
  if (typeof key !== 'string' || !Object.hasOwn(catalogs.en, key) || !accept(key)) return null;
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) return null;
  const read: Record<string, unknown> = {};
  for (const [name, param] of Object.entries(params ?? {})) {
    if (typeof param === 'string' || typeof param === 'number' || typeof param === 'boolean') read[name] = param;
    else {
      const nested = messageFromJson(param, accept, depth + 1);
      if (!nested) return null;
      read[name] = nested;
    }
  }
  return new LocalizedText(key as MessageKey, read);
}

/** The message with every string parameter (nested ones too) passed through `change`: secrets masked, say. */
export function mapMessageText(message: LocalizedText, change: (value: string) => string): LocalizedText {
  return new LocalizedText(
    message.key,
    Object.fromEntries(Object.entries(message.params).map(([name, value]) => [name, value instanceof LocalizedText ? mapMessageText(value, change) : typeof value === 'string' ? change(value) : value])),
  );
}

/** A message by key, e.g. text('task.name.rule', { max: 128 }). */
export function text<K extends MessageKey>(key: K, ...params: LooseParams<K>): LocalizedText {
  return new LocalizedText(key, params[0] ?? {});
}
