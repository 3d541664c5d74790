// Health over time on the task page: each day's success rate and average duration over the
// last 7 or 90 days, from the daily trend of GET /tasks/{id}/stats?window=7d|90d (days are
// UTC days; a day without an outcome has no rate and no duration, so the line breaks there
// rather than dropping to 0).
import { Card, Center, Group, SegmentedControl, SimpleGrid, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client.ts';
import type { TaskStats } from '../api/types.ts';
import { useRefetchInterval } from '../live.tsx';
import { ErrorAlert } from './feedback.tsx';
import { formatDuration, formatPercent } from './format.tsx';
import { ChartPlaceholder, LazyBarChart, LazyLineChart } from './lazy-charts.tsx';

type HealthWindow = '7d' | '90d';

const CHART_HEIGHT = 160;

export function TaskHealthChart({ taskId }: { taskId: string }) {
  const { t, i18n } = useTranslation();
  const [span, setSpan] = useState<HealthWindow>('7d');
  const refetchInterval = useRefetchInterval(30_000);
  // The same key as the page's statistics card: when both show the same window, one request serves both.
  const stats = useQuery({ queryKey: ['task-stats', taskId, span], queryFn: () => get<TaskStats>(`/tasks/${taskId}/stats`, { window: span }), refetchInterval });
  const trend = stats.data?.window === span ? stats.data.trend : [];
  // The days are UTC days: label them in UTC too, or a day would show as its neighbour west of Greenwich.
  const label = new Intl.DateTimeFormat(i18n.resolvedLanguage ?? 'en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const days = trend.map((day) => ({
    label: day.bucket ? label.format(new Date(day.bucket)) : '',
    rate: day.success_rate === null ? null : day.success_rate * 100,
    duration: day.avg_duration_ms,
  }));
  const timedDays = days.filter((day) => day.duration !== null).length;
  const ratedDays = days.filter((day) => day.rate !== null).length;

  return (
    <Card data-testid="task-health" data-window={span} data-loaded={stats.data?.window === span} data-rated-days={ratedDays} data-timed-days={timedDays}>
      <Group justify="space-between" mb="xs">
        <div>
          <Text fw={600}>{t('taskHealth.title')}</Text>
          <Text size="xs" c="dimmed">
            {t('taskHealth.utcDays')}
          </Text>
        </div>
        <SegmentedControl size="xs" value={span} onChange={(value) => setSpan(value)} data={(['7d', '90d'] as const).map((value) => ({ value, label: t(`window.${value}`) }))} data-testid="task-health-window" />
      </Group>
      <ErrorAlert error={stats.error} />
      {trend.length > 0 && trend.every((day) => day.total === 0) ? (
        <Center h={CHART_HEIGHT}>
          <Text c="dimmed" size="sm">
            {t('dashboard.noExecutions')}
          </Text>
        </Center>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <div data-testid="task-health-rate">
            <Text size="xs" c="dimmed" mb={4}>
              {t('taskHealth.successRate')}
            </Text>
            {stats.data === undefined ? (
              <ChartPlaceholder h={CHART_HEIGHT} />
            ) : (
              <LazyLineChart
                h={CHART_HEIGHT}
                data={days}
                dataKey="label"
                series={[{ name: 'rate', color: 'teal.6', label: t('taskHealth.successRate') }]}
                connectNulls={false}
                // Dots on every span: a day between two days without outcomes has no line to either side.
                dotProps={{ r: span === '7d' ? 3 : 2, strokeWidth: 1 }}
                curveType="linear"
                valueFormatter={(value) => formatPercent(value / 100)}
                yAxisProps={{ domain: [0, 100], ticks: [0, 50, 100], width: 44, tickFormatter: (value: number) => `${value}%` }}
                xAxisProps={{ interval: 'preserveStartEnd', minTickGap: 16 }}
                gridAxis="x"
              />
            )}
          </div>
          <div data-testid="task-health-duration">
            <Text size="xs" c="dimmed" mb={4}>
              {t('taskHealth.avgDuration')}
            </Text>
            {stats.data === undefined ? (
              <ChartPlaceholder h={CHART_HEIGHT} />
            ) : (
              <LazyBarChart
                h={CHART_HEIGHT}
                data={days}
                dataKey="label"
                series={[{ name: 'duration', color: 'blue.5', label: t('taskHealth.avgDuration') }]}
                valueFormatter={formatDuration}
                yAxisProps={{ width: 72, tickCount: 3 }}
                xAxisProps={{ interval: 'preserveStartEnd', minTickGap: 16 }}
                barProps={{ radius: 2 }}
                gridAxis="x"
              />
            )}
          </div>
        </SimpleGrid>
      )}
    </Card>
  );
}
