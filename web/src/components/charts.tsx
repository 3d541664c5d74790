// Executions per bucket, stacked by status (dashboard and task detail).
import { Center, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { TrendBucket } from '../api/types.ts';
import { formatInstant, zoneLabel } from '../time-zone.ts';
import { useFormatters } from './format.tsx';
import { LazyBarChart } from './lazy-charts.tsx';

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
  const { t } = useTranslation();
  // Buckets are UTC hours and UTC days (the server counts them so). Hours read in the zone of
  // the header's switch; days stay UTC days, or a day would show as its neighbour.
  const timeZone = useFormatters().timeZone;
  const zone = bucket === 'hour' ? timeZone : 'UTC';
  const rows = data.map((row) => {
    const start = row.bucket ? new Date(row.bucket) : null;
    return {
      ...row,
      label: start ? (bucket === 'hour' ? formatInstant(start, zone, { date: false, seconds: false, label: false }) : formatInstant(start, zone, { label: false }).slice(5, 10)) : '',
      time: start ? (bucket === 'hour' ? formatInstant(start, zone, { seconds: false }) : `${formatInstant(start, zone, { label: false }).slice(0, 10)} ${zoneLabel(start, zone)}`) : '',
    };
  });
  const zoneCaption = t('time.chartZone', { label: zoneLabel(rows.length > 0 && data[0]?.bucket ? new Date(data[0].bucket) : new Date(), zone) });
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
    <LazyBarChart
      h={height}
      data={rows}
      dataKey="label"
      type="stacked"
      withLegend
      legendProps={{ verticalAlign: 'bottom', height: 40 }}
      series={present.map((s) => ({ name: s.name, color: s.color, label: t(`status.${s.name}`) }))}
      tickLine="y"
      gridAxis="y"
      xAxisLabel={zoneCaption}
      tooltipProps={{ labelFormatter: (_label: unknown, payload: readonly { payload?: { time?: string } }[]) => payload[0]?.payload?.time ?? '' }}
      data-testid="trend-chart"
      data-zone={zone}
      barProps={{ radius: 2 }}
      xAxisProps={{ interval: 'preserveStartEnd', minTickGap: 16 }}
      yAxisProps={{ allowDecimals: false, width: 36 }}
    />
  );
}
