// Executions per bucket, stacked by status (dashboard and task detail).
import '@mantine/charts/styles.css';
import { BarChart } from '@mantine/charts';
import { Center, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { TrendBucket } from '../api/types.ts';

const series = [
  { name: 'success', color: 'teal.6' },
  { name: 'failed', color: 'red.6' },
  { name: 'timeout', color: 'orange.5' },
  { name: 'cancelled', color: 'grape.5' },
  { name: 'skipped', color: 'yellow.5' },
  { name: 'running', color: 'blue.5' },
  { name: 'pending', color: 'gray.5' },
] as const;

export function StatusTrendChart({ data, bucket, height = 260 }: { data: TrendBucket[]; bucket: 'hour' | 'day'; height?: number }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.resolvedLanguage ?? 'en';
  const label = new Intl.DateTimeFormat(locale, bucket === 'hour' ? { hour: '2-digit', minute: '2-digit' } : { month: 'short', day: 'numeric' });
  const rows = data.map((row) => ({ ...row, label: row.bucket ? label.format(new Date(row.bucket)) : '' }));
  const total = data.reduce((sum, row) => sum + series.reduce((inner, s) => inner + (row[s.name] ?? 0), 0), 0);
  if (total === 0) {
    return (
      <Center h={height}>
        <Text c="dimmed" size="sm">
          {t('dashboard.noExecutions')}
        </Text>
      </Center>
    );
  }
  // Only the statuses that occur get a legend entry.
  const present = series.filter((s) => data.some((row) => (row[s.name] ?? 0) > 0));
  return (
    <BarChart
      h={height}
      data={rows}
      dataKey="label"
      type="stacked"
      withLegend
      legendProps={{ verticalAlign: 'bottom', height: 40 }}
      series={present.map((s) => ({ name: s.name, color: s.color, label: t(`status.${s.name}`) }))}
      tickLine="y"
      gridAxis="y"
      barProps={{ radius: 2 }}
      xAxisProps={{ interval: 'preserveStartEnd', minTickGap: 16 }}
      yAxisProps={{ allowDecimals: false, width: 36 }}
    />
  );
}
