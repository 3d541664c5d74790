// Executor load (running against capacity): the query both the executors page and the
// dashboard read, kept current by execution and executor events (live.tsx), and the
// dashboard's compact per-executor bar list.
import { Anchor, Group, Progress, SimpleGrid, Stack, Text, Tooltip } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { get } from '../api/client.ts';
import type { Executor, Page } from '../api/types.ts';
import { useRefetchInterval } from '../live.tsx';
import { ErrorAlert, Loading } from './feedback.tsx';

export function useExecutorLoad() {
  const refetchInterval = useRefetchInterval(5000);
  return useQuery({ queryKey: ['executors', 'load'], queryFn: () => get<Page<Executor>>('/executors'), refetchInterval });
}

export function loadPercent(executor: Executor): number {
  return executor.capacity > 0 ? Math.min(100, (executor.running / executor.capacity) * 100) : 0;
}

/** The bar's colour: how full the executor is, gray when it takes no work. */
export function loadColor(executor: Executor): string {
  if (executor.status === 'offline') return 'gray';
  const load = loadPercent(executor);
  return load >= 90 ? 'red' : load >= 60 ? 'yellow' : 'indigo';
}

/** The dot's colour: status and health together. */
function healthColor(executor: Executor): string {
  if (executor.status === 'offline') return 'gray';
  if (!executor.is_healthy) return 'red';
  if (executor.status === 'maintenance') return 'yellow';
  return 'teal';
}

const shown = 12;

export function ExecutorLoadList() {
  const { t } = useTranslation();
  const executors = useExecutorLoad();
  if (executors.isLoading) return <Loading />;
  if (!executors.data) return <ErrorAlert error={executors.error} />;
  const items = [...executors.data.items].sort((a, b) => Number(a.status === 'offline') - Number(b.status === 'offline') || loadPercent(b) - loadPercent(a) || b.running - a.running || a.name.localeCompare(b.name));
  if (items.length === 0) {
    return (
      <Text c="dimmed" size="sm">
        {t('dashboard.noExecutors')}
      </Text>
    );
  }
  return (
    <Stack gap="xs">
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="lg" verticalSpacing="sm" data-testid="executor-load">
        {items.slice(0, shown).map((executor) => {
          const health = executor.status === 'offline' ? t('executors.offlineHealth') : executor.is_healthy ? t('executors.healthy') : t('executors.unhealthy');
          return (
            <div key={executor.id} data-executor-load={executor.name} data-running={executor.running} data-capacity={executor.capacity} style={{ minWidth: 0 }}>
              <Group justify="space-between" gap="xs" wrap="nowrap" mb={4}>
                <Tooltip label={`${t(`status.${executor.status}`)} · ${health}`}>
                  <Group gap={6} wrap="nowrap" style={{ minWidth: 0 }}>
                    <span aria-label={`${t(`status.${executor.status}`)} · ${health}`} style={{ width: 8, height: 8, borderRadius: '50%', flex: 'none', background: `var(--mantine-color-${healthColor(executor)}-6)` }} />
                    <Anchor component={Link} to={`/executors/${executor.id}`} size="sm" fw={500} truncate="end" c={executor.status === 'offline' ? 'dimmed' : undefined}>
                      {executor.name}
                    </Anchor>
                  </Group>
                </Tooltip>
                <Text size="xs" c="dimmed" className="stat-value" style={{ flex: 'none' }}>
                  {executor.running} / {executor.capacity}
                </Text>
              </Group>
              <Progress value={loadPercent(executor)} color={loadColor(executor)} size="sm" aria-label={t('executors.loadValue', { running: executor.running, capacity: executor.capacity })} />
            </div>
          );
        })}
      </SimpleGrid>
      {items.length > shown && (
        <Anchor component={Link} to="/executors" size="xs">
          {t('dashboard.moreExecutors', { count: items.length - shown })}
        </Anchor>
      )}
    </Stack>
  );
}
