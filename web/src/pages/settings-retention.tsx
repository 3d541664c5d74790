// History retention in force and the database's size (GET /system/status): what the
// leader deletes and when (README "History retention"). Read-only: the values are config.
import { Card, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client.ts';
import type { SystemStatus } from '../api/types.ts';
import { ErrorAlert, Loading } from '../components/feedback.tsx';

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

function formatBytes(bytes: number, locale: string): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value)} ${units[unit]}`;
}

export default function RetentionPanel() {
  const { t, i18n } = useTranslation();
  const status = useQuery({ queryKey: ['status'], queryFn: () => get<SystemStatus>('/system/status') });
  if (status.isPending) return <Loading />;
  if (status.isError) return <ErrorAlert error={status.error} />;
  const { retention, database } = status.data;
  const days = (value: number, never: string) => (value === 0 ? never : t('retention.days', { count: value }));
  const rows: Array<[string, string, string]> = [
    ['execution_retention_days', t('retention.executions'), days(retention.execution_retention_days, t('retention.forever'))],
    ['log_retention_days', t('retention.logs'), days(retention.log_retention_days, t('retention.forever'))],
    ['audit_retention_days', t('retention.audit'), days(retention.audit_retention_days, t('retention.forever'))],
    ['executor_retention_days', t('retention.executors'), days(retention.executor_retention_days, t('retention.never'))],
    ['cleanup_interval_seconds', t('retention.interval'), t('retention.seconds', { count: retention.cleanup_interval_seconds })],
  ];
  return (
    <Stack maw={720}>
      <Card>
        <Stack gap="xs">
          <Text fw={600}>{t('retention.title')}</Text>
          <Text size="sm" c="dimmed">
            {t('retention.hint')}
          </Text>
          <Table data-testid="retention-table">
            <Table.Tbody>
              {rows.map(([key, label, value]) => (
                <Table.Tr key={key} data-testid={`retention-${key}`}>
                  <Table.Td>{label}</Table.Td>
                  <Table.Td>
                    <Text span ff="monospace" size="xs" c="dimmed">
                      {key}
                    </Text>
                  </Table.Td>
                  <Table.Td fw={600}>{value}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      </Card>
      <Card>
        <Text fw={600}>{t('retention.databaseSize')}</Text>
        <Text size="xl" fw={700} data-testid="database-size">
          {database.size_bytes === null ? t('retention.unknownSize') : formatBytes(database.size_bytes, i18n.resolvedLanguage ?? 'en')}
        </Text>
      </Card>
    </Stack>
  );
}
