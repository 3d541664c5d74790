// An executor's health and labels as the console shows them. Health: an offline executor is "not reachable"
// (gray), never "healthy", whatever its last health check said (the server answers
// is_healthy false for it too); otherwise healthy or unhealthy with its failed checks.
import { Badge, Group, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Executor } from '../api/types.ts';

type HealthState = 'offline' | 'healthy' | 'unhealthy';

function healthState(executor: Pick<Executor, 'status' | 'is_healthy'>): HealthState {
  if (executor.status === 'offline') return 'offline';
  return executor.is_healthy ? 'healthy' : 'unhealthy';
}

const colors: Record<HealthState, string> = { offline: 'gray', healthy: 'teal', unhealthy: 'red' };

export function ExecutorHealthBadge({ executor }: { executor: Executor }) {
  const { t } = useTranslation();
  const state = healthState(executor);
  const label = state === 'offline' ? t('executors.offlineHealth') : state === 'healthy' ? t('executors.healthy') : t('executors.unhealthy');
  const hint = state === 'offline' ? t('executors.offlineHealthHint') : executor.health_check_failures ? t('executors.failures', { count: executor.health_check_failures }) : label;
  return (
    <Tooltip label={hint}>
      <Badge color={colors[state]} variant="dot" data-health={state} data-testid="executor-health" style={{ flex: 'none', overflow: 'visible' }}>
        {label}
      </Badge>
    </Tooltip>
  );
}

/** key=value badges, or a dash for none. */
export function ExecutorLabels({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  return (
    <Group gap={4}>
      {entries.map(([key, value]) => (
        <Badge key={key} size="xs" variant="outline" color="gray" tt="none" style={{ maxWidth: '100%' }}>
          {key}={value}
        </Badge>
      ))}
      {entries.length === 0 && (
        <Text size="xs" c="dimmed">
          —
        </Text>
      )}
    </Group>
  );
}
