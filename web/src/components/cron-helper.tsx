// The cron helper: the expression in words (cronstrue, in the UI's language) and the
// next fire times in the task's time zone as the server computes them, each labelled with
// its offset ("UTC-5") and each change of offset (a DST transition) flagged.
import { Alert, Badge, Group, List, Paper, Skeleton, Stack, Text } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconClock, IconSunElectricity } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { CronDialect } from '../../../src/protocol/enums.ts';
import { post } from '../api/client.ts';
import type { SchedulePreview } from '../api/types.ts';
import { formatInstant, zoneLabel } from '../time-zone.ts';
import { describeCron } from './cron-description.ts';
import { errorMessage } from './feedback.tsx';

export function CronHelper({ expression, timezone, dialect }: { expression: string; timezone: string; dialect: CronDialect }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'en';
  // Debounce the strings, not an object: a fresh object each render would never settle.
  const [debouncedExpression] = useDebouncedValue(expression.trim(), 350);
  const [debouncedTimezone] = useDebouncedValue(timezone || 'UTC', 350);
  const debounced = { expression: debouncedExpression, timezone: debouncedTimezone, dialect, language };
  const preview = useQuery({
    queryKey: ['schedule-preview', debounced],
    queryFn: () =>
      post<SchedulePreview>('/schedules/preview', {
        cron_expression: debounced.expression,
        timezone: debounced.timezone,
        cron_dialect: debounced.dialect,
        locale: debounced.language.startsWith('zh') ? 'zh-CN' : 'en',
        count: 10,
      }),
    enabled: debounced.expression !== '',
    retry: false,
    staleTime: 30_000,
  });

  if (!expression.trim()) {
    return (
      <Paper withBorder p="sm" bg="var(--mantine-color-default-hover)">
        <Text size="sm" c="dimmed">
          {t('cron.manualOnly')}
        </Text>
      </Paper>
    );
  }
  // The server's words follow the dialect's weekday numbering; while they load (or for an
  // expression it refuses) the standard reading is shown only for a standard expression.
  // Until the debounce settles, the server's words are for the previous text: not shown.
  const serverWords = debounced.expression === expression.trim() ? preview.data?.description : undefined;
  const words = serverWords ?? (dialect === 'standard' ? describeCron(expression, language, t) : null);
  const fires = (preview.data?.fires ?? []).filter((fire): fire is string => fire !== null);
  let previousOffset = zoneLabel(new Date(), debounced.timezone);

  return (
    <Paper withBorder p="sm" data-testid="cron-helper">
      <Stack gap="xs">
        <Group gap="xs" wrap="nowrap" align="flex-start">
          <IconClock size={18} style={{ flexShrink: 0, marginTop: 2 }} />
          <Text size="sm" fw={600} data-testid="cron-words">
            {words ?? t('cron.noWords')}
          </Text>
        </Group>
        {preview.isError ? (
          <Alert color="red" p="xs" data-testid="cron-error">
            {errorMessage(preview.error)}
          </Alert>
        ) : preview.isLoading || (preview.isFetching && fires.length === 0) ? (
          <Skeleton h={120} />
        ) : (
          <>
            <Text size="xs" c="dimmed">
              {t('cron.nextFires', { timezone: debounced.timezone })}
            </Text>
            <List size="sm" spacing={2} listStyleType="none" data-testid="cron-fires">
              {fires.map((fire) => {
                const instant = new Date(fire);
                const offset = zoneLabel(instant, debounced.timezone);
                const changed = offset !== previousOffset;
                const from = previousOffset;
                previousOffset = offset;
                return (
                  <List.Item key={fire}>
                    <Group gap={6} wrap="wrap">
                      <Text size="sm" ff="monospace" data-testid="cron-fire">
                        {formatInstant(instant, debounced.timezone, { weekdayLocale: language, label: false })}{' '}
                        <Text span inherit c="dimmed">
                          {offset}
                        </Text>
                      </Text>
                      {changed && (
                        <Badge size="xs" color="orange" variant="light" leftSection={<IconSunElectricity size={10} />} data-testid="dst-flag">
                          {t('cron.dstChange', { from, to: offset })}
                        </Badge>
                      )}
                    </Group>
                  </List.Item>
                );
              })}
            </List>
            {fires.length === 0 && (
              <Text size="sm" c="dimmed">
                {t('cron.noFires')}
              </Text>
            )}
          </>
        )}
      </Stack>
    </Paper>
  );
}
