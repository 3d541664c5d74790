// Dashboard: the cluster at a glance, kept current by live events (or polling).
import { Anchor, Badge, Card, Grid, Group, SegmentedControl, SimpleGrid, Stack, Table, Text, ThemeIcon, Title } from '@mantine/core';
import { IconActivity, IconCircleCheck, IconCrown, IconHourglass, IconServer2 } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { get } from '../api/client.ts';
import type { Execution, Overview, Page, SystemStatus } from '../api/types.ts';
import { StatusTrendChart } from '../components/charts.tsx';
import { ExecutionRows } from '../components/execution-rows.tsx';
import { ExecutorLoadList } from '../components/executor-load.tsx';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { formatPercent, TimeAgo } from '../components/format.tsx';
import { dashboardQueries } from '../first-queries.ts';
import { useRefetchInterval } from '../live.tsx';

const OpenAlertsCard = lazy(() => import('./settings-alerts-cards.tsx').then((module) => ({ default: module.OpenAlertsCard })));

function Metric({ label, value, hint, icon, color, testId, wide }: { label: string; value: ReactNode; hint?: ReactNode; icon: ReactNode; color: string; testId: string; wide?: boolean }) {
  return (
    <Card data-testid={testId} className={wide ? 'metric-wide' : undefined} p={{ base: 'md', sm: 'lg' }}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <div style={{ minWidth: 0 }}>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            {label}
          </Text>
          <Text fz={{ base: 24, sm: 28 }} fw={700} className="stat-value" lh={1.3}>
            {value}
          </Text>
          {hint && (
            <Text size="xs" c="dimmed">
              {hint}
            </Text>
          )}
        </div>
        <ThemeIcon variant="light" color={color} size={40} radius="md" visibleFrom="xs">
          {icon}
        </ThemeIcon>
      </Group>
    </Card>
  );
}

export default function DashboardPage() {
  const { t } = useTranslation();
  const [window, setWindow] = useState<'24h' | '7d'>('24h');
  const refetchInterval = useRefetchInterval(5000);
  const overviewQuery = dashboardQueries.overview(window);
  const statusQuery = dashboardQueries.status();
  const runningQuery = dashboardQueries.running();
  const overview = useQuery({ queryKey: overviewQuery.queryKey, queryFn: () => get<Overview>(overviewQuery.path, overviewQuery.query), refetchInterval });
  const status = useQuery({ queryKey: statusQuery.queryKey, queryFn: () => get<SystemStatus>(statusQuery.path), refetchInterval });
  const running = useQuery({ queryKey: runningQuery.queryKey, queryFn: () => get<Page<Execution>>(runningQuery.path, runningQuery.query), refetchInterval });

  const data = overview.data;
  const leader = data?.leader?.instance_id ?? status.data?.leader?.instance_id ?? null;
  const executors = data?.executors ?? status.data?.executors;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('dashboard.title')}</Title>
        <SegmentedControl
          value={window}
          onChange={setWindow}
          data={[
            { value: '24h', label: t('window.24h') },
            { value: '7d', label: t('window.7d') },
          ]}
        />
      </Group>
      <ErrorAlert error={overview.error && status.error ? overview.error : null} />
      <SimpleGrid cols={{ base: 2, md: 3, lg: 5 }} spacing={{ base: 'xs', sm: 'md' }}>
        <Metric
          testId="metric-success-rate"
          label={t('dashboard.successRate')}
          value={formatPercent(data?.success_rate)}
          hint={data ? t('dashboard.executionsInWindow', { count: data.total }) : undefined}
          icon={<IconCircleCheck size={22} />}
          color="teal"
        />
        <Metric testId="metric-running" label={t('dashboard.running')} value={data?.running ?? status.data?.running ?? '—'} icon={<IconActivity size={22} />} color="blue" />
        <Metric testId="metric-pending" label={t('dashboard.pending')} value={data?.pending ?? status.data?.pending ?? '—'} icon={<IconHourglass size={22} />} color="gray" />
        <Metric
          testId="metric-executors"
          label={t('dashboard.executors')}
          value={executors ? `${executors.healthy} / ${executors.total}` : '—'}
          hint={executors ? t('dashboard.executorsHint', { online: executors.online, healthy: executors.healthy }) : undefined}
          icon={<IconServer2 size={22} />}
          color={executors && executors.healthy < executors.total ? 'orange' : 'indigo'}
        />
        <Metric
          testId="metric-leader"
          wide
          label={t('dashboard.leader')}
          value={
            <Text fz={16} fw={700} lh={1.4} component="span" display="block" style={{ wordBreak: 'break-all' }} title={leader ?? undefined}>
              {leader ?? t('dashboard.noLeader')}
            </Text>
          }
          hint={status.data ? t('dashboard.instances', { count: status.data.instances.length }) : undefined}
          icon={<IconCrown size={22} />}
          color={leader ? 'yellow' : 'red'}
        />
      </SimpleGrid>
      <Suspense fallback={null}>
        <OpenAlertsCard />
      </Suspense>
      <Card data-testid="running-executions-card">
        <Group justify="space-between" mb="sm">
          <Text fw={600}>{t('dashboard.runningExecutions')}</Text>
          {running.data && running.data.total > 0 && (
            <Anchor component={Link} to="/executions?status=running" size="sm" data-testid="all-running">
              {t('dashboard.allRunning', { count: running.data.total })}
            </Anchor>
          )}
        </Group>
        {running.data ? <ExecutionRows items={running.data.items} emptyText={t('dashboard.noneRunning')} testId="running-executions" /> : running.isLoading ? <Loading /> : <ErrorAlert error={running.error} />}
      </Card>
      <Grid>
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <Card h="100%">
            <Text fw={600} mb="sm">
              {t('dashboard.executionsOverTime')}
            </Text>
            {overview.isLoading ? <Loading /> : data ? <StatusTrendChart data={data.timeline} bucket={data.bucket} /> : <ErrorAlert error={overview.error} />}
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 4 }}>
          <Card h="100%">
            <Text fw={600} mb="sm">
              {t('dashboard.topFailing')}
            </Text>
            {data && data.top_failing.length === 0 && (
              <Text c="dimmed" size="sm">
                {t('dashboard.noFailures')}
              </Text>
            )}
            {data && data.top_failing.length > 0 && (
              <Table verticalSpacing={6}>
                <Table.Tbody>
                  {data.top_failing.map((task) => (
                    <Table.Tr key={task.task_id}>
                      <Table.Td>
                        <Anchor component={Link} to={`/tasks/${task.task_id}`} size="sm">
                          {task.name}
                        </Anchor>
                        <Text size="xs" c="dimmed">
                          <TimeAgo value={task.last_failure_at} />
                        </Text>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Badge color="red" variant="light">
                          {task.failures}
                        </Badge>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Card>
        </Grid.Col>
      </Grid>
      <Card data-testid="executor-load-card">
        <Group justify="space-between" mb="sm">
          <Text fw={600}>{t('dashboard.executorLoad')}</Text>
          <Anchor component={Link} to="/executors" size="sm">
            {t('common.viewAll')}
          </Anchor>
        </Group>
        <ExecutorLoadList />
      </Card>
    </Stack>
  );
}
