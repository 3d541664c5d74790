// One executor: what it is (kind, address, version, runners, labels, metadata), how it is
// (status, health, heartbeat, load against capacity), what runs on it now and what it ran
// recently; an admin's actions (edit, maintenance, back online, remove).
import { Anchor, Badge, Card, Group, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconHeartbeat } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, get } from '../api/client.ts';
import type { Execution, Executor, Page } from '../api/types.ts';
import { ExecutionRows } from '../components/execution-rows.tsx';
import { ExecutionTable } from '../components/execution-table.tsx';
import { ExecutorActions } from '../components/executor-actions.tsx';
import { ExecutorHealthBadge, ExecutorLabels } from '../components/executor-badges.tsx';
import { loadColor, loadPercent } from '../components/executor-load.tsx';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { Json, StatusBadge, useFormatters } from '../components/format.tsx';
import { useRefetchInterval } from '../live.tsx';

function Field({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div style={{ minWidth: 0 }} data-testid={testId}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div" style={{ wordBreak: 'break-word' }}>
        {children}
      </Text>
    </div>
  );
}

export default function ExecutorDetailPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const format = useFormatters();
  const phone = useMediaQuery('(max-width: 48em)', false, { getInitialValueInEffect: false });
  const refetchInterval = useRefetchInterval(5000);
  // Under 'executors': whatever refreshes the executor list (events, actions) refreshes this too.
  const executor = useQuery({
    queryKey: ['executors', 'one', id],
    queryFn: () => get<Executor>(`/executors/${id}`),
    refetchInterval,
    retry: (count, error) => !(error instanceof ApiError && error.status === 404) && count < 2,
  });
  const running = useQuery({
    queryKey: ['executions', { executorId: id, status: 'running' }],
    queryFn: () => get<Page<Execution>>('/executions', { executor_id: id, status: 'running', page_size: 50 }),
    refetchInterval,
  });
  const recent = useQuery({ queryKey: ['executions', { executorId: id, recent: true }], queryFn: () => get<Page<Execution>>('/executions', { executor_id: id, page_size: 20 }), refetchInterval });

  const back = (
    <Anchor component={Link} to="/executors" size="sm">
      ← {t('executorDetail.back')}
    </Anchor>
  );
  if (executor.isLoading) return <Loading />;
  if (!executor.data) {
    const missing = executor.error instanceof ApiError && executor.error.status === 404;
    return (
      <Stack>
        {back}
        {missing ? (
          <Text c="dimmed" data-testid="executor-not-found">
            {t('executorDetail.notFound')}
          </Text>
        ) : (
          <ErrorAlert error={executor.error} />
        )}
      </Stack>
    );
  }
  const data = executor.data;
  const fresh = data.status !== 'offline' && data.heartbeat_age_ms !== null && data.heartbeat_age_ms < 30_000;

  return (
    <Stack data-testid="executor-detail" data-executor-name={data.name}>
      <div>
        {back}
        <Group justify="space-between" align="flex-start" gap="sm">
          <Stack gap={6} style={{ minWidth: 0 }}>
            <Title order={2} style={{ wordBreak: 'break-word' }}>
              {data.name}
            </Title>
            <Group gap="xs">
              <span data-testid="executor-status">
                <StatusBadge status={data.status} />
              </span>
              <ExecutorHealthBadge executor={data} />
            </Group>
          </Stack>
          <ExecutorActions executor={data} justify="flex-start" onRemoved={() => void navigate('/executors')} />
        </Group>
      </div>

      <Card>
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="md" verticalSpacing="md">
          <Field label={t('executorDetail.kind')}>{t(`executorKind.${data.kind}`)}</Field>
          <Field label={t('executorDetail.instanceId')}>
            <Text span ff="monospace" size="sm">
              {data.instance_id}
            </Text>
          </Field>
          {data.kind === 'http' && <Field label={t('executorDetail.baseUrl')}>{data.base_url ?? '—'}</Field>}
          {data.kind === 'http' && <Field label={t('executorDetail.healthUrl')}>{data.health_check_url ?? '—'}</Field>}
          <Field label={t('executorDetail.version')}>{data.version ?? '—'}</Field>
          <Field label={t('executors.load')} testId="executor-load-value">
            <Text size="sm" className="stat-value" mb={4}>
              {t('executors.loadValue', { running: data.running, capacity: data.capacity })}
            </Text>
            <Progress value={loadPercent(data)} color={loadColor(data)} size="sm" maw={240} />
          </Field>
          <Field label={t('executorDetail.lastHeartbeat')} testId="executor-heartbeat">
            <Group gap={4} wrap="nowrap">
              <IconHeartbeat size={14} color={fresh ? 'var(--mantine-color-teal-6)' : 'var(--mantine-color-gray-6)'} />
              <span title={format.dateTime(data.last_heartbeat)}>{format.age(data.heartbeat_age_ms)}</span>
            </Group>
          </Field>
          {data.kind === 'http' && (
            <Field label={t('executorDetail.lastHealthCheck')}>
              {format.ago(data.last_health_check)}
              {data.health_check_failures > 0 ? ` · ${t('executors.failures', { count: data.health_check_failures })}` : ''}
            </Field>
          )}
          <Field label={t('executors.runners')} testId="executor-runners">
            <Group gap={4}>
              {data.runners.map((runner) => (
                <Badge key={runner} size="xs" variant="light" color="indigo" tt="none">
                  {runner}
                </Badge>
              ))}
            </Group>
          </Field>
          <Field label={t('executors.labels')} testId="executor-labels">
            <ExecutorLabels labels={data.labels} />
          </Field>
        </SimpleGrid>
        {Object.keys(data.metadata).length > 0 && (
          <Stack gap={4} mt="md">
            <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
              {t('executorDetail.metadata')}
            </Text>
            <Json value={data.metadata} />
          </Stack>
        )}
      </Card>

      <Card>
        <Text fw={600} mb="xs">
          {t('executorDetail.running')}
        </Text>
        {running.data ? (
          <ExecutionRows items={running.data.items} showExecutor={false} emptyText={t('executorDetail.noneRunning')} testId="executor-running" />
        ) : running.isLoading ? (
          <Loading />
        ) : (
          <ErrorAlert error={running.error} />
        )}
      </Card>

      <Card p={phone ? 'md' : 0}>
        <Group justify="space-between" p={phone ? 0 : 'md'} pb="xs">
          <Text fw={600}>{t('executorDetail.recent')}</Text>
          <Anchor component={Link} to={`/executions?executor_id=${encodeURIComponent(data.id)}`} size="sm" data-testid="executor-all-executions">
            {t('executorDetail.allExecutions')}
          </Anchor>
        </Group>
        {recent.data ? (
          phone ? (
            <ExecutionRows items={recent.data.items} showExecutor={false} emptyText={t('executorDetail.noneRecent')} testId="executor-recent" />
          ) : (
            <div data-testid="executor-recent">
              <ExecutionTable items={recent.data.items} emptyText={t('executorDetail.noneRecent')} />
            </div>
          )
        ) : recent.isLoading ? (
          <Loading />
        ) : (
          <ErrorAlert error={recent.error} />
        )}
      </Card>
    </Stack>
  );
}
