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
}

/** A message by key, e.g. text('task.name.rule', { max: 128 }). */
export function text<K extends MessageKey>(key: K, ...params: LooseParams<K>): LocalizedText {
  return new LocalizedText(key, params[0] ?? {});
}
