// A cron expression in words, in the UI's language (cronstrue and its Chinese words,
// about 10 KB compressed). The task form's helper imports it directly; the task page
// through CronDescription (lazy-cron-description.tsx), after its figures are shown.
import cronstrue from 'cronstrue';
import 'cronstrue/locales/zh_CN.js';
import { cronNicknames } from '../../../src/protocol/enums.ts';

/** The expression in words, or null when cronstrue cannot read it. */
export function describeCron(expression: string, language: string, t: (key: string, options?: Record<string, unknown>) => string): string | null {
  const trimmed = expression.trim();
  const every = /^@every\s+(\d+)\s*(ms|s|m|h|d)$/i.exec(trimmed);
  if (every) return t('cron.every', { count: Number(every[1]), unit: t(`cron.unit.${every[2]!.toLowerCase()}`) });
  const cron = cronNicknames[trimmed.toLowerCase()] ?? trimmed;
  try {
    return cronstrue.toString(cron, { locale: language.startsWith('zh') ? 'zh_CN' : 'en', use24HourTimeFormat: true, throwExceptionOnParseError: true, verbose: false });
  } catch {
    return null;
  }
}
