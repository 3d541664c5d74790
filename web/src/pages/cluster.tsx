// Scheduler instances and which one leads.
import { Badge, Card, Group, ScrollArea, SimpleGrid, Stack, Table, Text, ThemeIcon, Title } from '@mantine/core';
import { IconCrown } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client.ts';
import type { SystemStatus } from '../api/types.ts';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { TimeAgo, useFormatters } from '../components/format.tsx';
import { useRefetchInterval } from '../live.tsx';

export default function ClusterPage() {
  const { t } = useTranslation();
  const format = useFormatters();
  const status = useQuery({ queryKey: ['status'], queryFn: () => get<SystemStatus>('/system/status'), refetchInterval: useRefetchInterval(5000) || 15_000 });
  if (status.isLoading) return <Loading />;
  if (!status.data) return <ErrorAlert error={status.error} />;
  const data = status.data;
  return (
    <Stack>
      <Title order={2}>{t('cluster.title')}</Title>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Card>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            {t('dashboard.leader')}
          </Text>
          <Group gap="xs" mt={4} wrap="nowrap">
            <ThemeIcon color={data.leader ? 'yellow' : 'red'} variant="light">
              <IconCrown size={16} />
            </ThemeIcon>
            <Text fw={700} truncate data-testid="cluster-leader">
              {data.leader?.instance_id ?? t('dashboard.noLeader')}
            </Text>
          </Group>
          {data.leader && (
            <Text size="xs" c="dimmed" mt={4}>
              {t('cluster.fencingToken', { token: data.leader.fencing_token })}
            </Text>
          )}
        </Card>
        <Card>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            {t('cluster.thisInstance')}
          </Text>
          <Text fw={700} mt={4} truncate>
            {data.instance_id}
          </Text>
          <Text size="xs" c="dimmed">
            v{data.version} · {data.is_leader ? t('cluster.leader') : t('cluster.follower')}
          </Text>
        </Card>
        <Card>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            {t('nav.tasks')}
          </Text>
          <Group gap="xs" mt={6}>
            {Object.entries(data.tasks).map(([state, count]) => (
              <Badge key={state} variant="light" color={state === 'active' ? 'teal' : state === 'paused' ? 'yellow' : 'gray'}>
                {t(`status.${state}`, { defaultValue: state })}: {count}
              </Badge>
            ))}
            {Object.keys(data.tasks).length === 0 && <Text c="dimmed">0</Text>}
          </Group>
        </Card>
      </SimpleGrid>
      <Card p={0}>
        <Text fw={600} p="md" pb={0}>
          {t('cluster.instances')}
        </Text>
        <ScrollArea>
          <Table verticalSpacing="sm" miw={700} data-testid="instance-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('cluster.instance')}</Table.Th>
                <Table.Th>{t('cluster.role')}</Table.Th>
                <Table.Th>{t('cluster.address')}</Table.Th>
                <Table.Th>{t('cluster.started')}</Table.Th>
                <Table.Th>{t('executors.heartbeat')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.instances.map((instance) => (
                <Table.Tr key={instance.id}>
                  <Table.Td>
                    <Text fw={600} size="sm">
                      {instance.id}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {instance.hostname} · pid {instance.pid} · v{instance.version}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    {instance.is_leader ? (
                      <Badge color="yellow" leftSection={<IconCrown size={12} />}>
                        {t('cluster.leader')}
                      </Badge>
                    ) : (
                      <Badge variant="light" color="gray">
                        {t('cluster.follower')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{instance.address ?? '—'}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{format.dateTime(instance.started_at)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c={instance.heartbeat_age_ms > 30_000 ? 'red' : undefined}>
                      <TimeAgo value={instance.last_heartbeat} ageMs={instance.heartbeat_age_ms} />
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      </Card>
    </Stack>
  );
}
