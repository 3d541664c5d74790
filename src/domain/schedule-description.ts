// A schedule in words, in English or Simplified Chinese, for the preview and the task form.
// Cron expressions are read by cronstrue with the task's weekday numbering (a Quartz `2` is
// Monday, a standard `2` Tuesday); `@every` intervals are worded here.
import { createRequire } from 'node:module';
import type { Options } from 'cronstrue/dist/options.js';
import type { CronDialect } from '../protocol/enums.ts';

type Describer = { toString(expression: string, options: Options): string };

// cronstrue/i18n (every language cronstrue has: ~1.5 MB of heap) is loaded on the first
// description, not with the server: an idle server describes nothing (issue 17). It is a
// CommonJS module whose exports object is the describer itself.
let cronstrue: Describer | undefined;
const describer = (): Describer => (cronstrue ??= createRequire(import.meta.url)('cronstrue/i18n.js') as Describer);

export type DescriptionLocale = 'en' | 'zh-CN';

/** The expression in words; the expression itself when it cannot be worded. */
export function describeSchedule(expression: string, dialect: CronDialect, locale: DescriptionLocale): string {
  const trimmed = expression.trim();
  if (/^@every\b/i.test(trimmed)) return describeInterval(trimmed.replace(/^@every\s*/i, ''), locale);
  try {
    return describer().toString(trimmed, {
      locale: locale === 'zh-CN' ? 'zh_CN' : 'en',
      dayOfWeekStartIndexZero: dialect !== 'quartz',
      use24HourTimeFormat: true,
      throwExceptionOnParseError: true,
      verbose: false,
    });
  } catch {
    return trimmed;
  }
}

/**
 * The language a caller asks for: a `locale` field wins, then the Accept-Language header
 * (any `zh` variant reads Simplified Chinese, the only Chinese we write); English otherwise.
 */
export function pickLocale(field: string | undefined, acceptLanguage: string | undefined): DescriptionLocale {
  if (field !== undefined) return /^zh\b/i.test(field) ? 'zh-CN' : 'en';
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q=([\d.]+)/.exec(param)?.[1]).find((value) => value !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q) };
    })
    .filter((entry) => entry.tag !== '' && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (/^zh\b/i.test(tag)) return 'zh-CN';
    if (/^en\b/i.test(tag) || tag === '*') return 'en';
  }
  return 'en';
}

const UNITS: Record<string, { en: string; zh: string }> = {
  d: { en: 'day', zh: '天' },
  h: { en: 'hour', zh: '小时' },
  m: { en: 'minute', zh: '分钟' },
  s: { en: 'second', zh: '秒' },
  ms: { en: 'millisecond', zh: '毫秒' },
};

function describeInterval(body: string, locale: DescriptionLocale): string {
  const parts = [...body.matchAll(/(\d+)\s*(ms|s|m|h|d)/gi)].map((match) => ({ count: Number(match[1]), unit: UNITS[match[2]!.toLowerCase()]! }));
  if (locale === 'zh-CN') return `每 ${parts.map((part) => `${part.count} ${part.unit.zh}`).join(' ')}`;
  return `Every ${parts.map((part) => `${part.count} ${part.unit.en}${part.count === 1 ? '' : 's'}`).join(' ')}`;
}
