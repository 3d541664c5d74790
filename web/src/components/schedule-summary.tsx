// A task's or a workflow's schedule on its page: the cron expression, its time zone and
// the expression in words; with no expression, that it runs only when triggered.
import { Code, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { CronDescription } from './lazy-cron-description.tsx';

export function ScheduleSummary({ expression, timezone }: { expression: string | null | undefined; timezone: string }) {
  const { t } = useTranslation();
  if (!expression) return t('tasks.manualOnly');
  return (
    <>
      <Code>{expression}</Code>{' '}
      <Text span size="sm" c="dimmed">
        ({timezone})
      </Text>
      <CronDescription expression={expression} />
    </>
  );
}
