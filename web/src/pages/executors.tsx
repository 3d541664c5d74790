// The executor fleet: status, health, labels, load and heartbeat, each executor linking to
// its own page; maintenance and online; register an HTTP executor and edit it (an agent
// reports its own details); remove one that is offline or in maintenance. On a phone each
// executor is a card (a wide table would hide its actions off-screen).
import { Anchor, Button, Card, Group, Progress, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconHeartbeat, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Executor } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ExecutorActions } from '../components/executor-actions.tsx';
import { ExecutorModal } from '../components/executor-forms.tsx';
import { ExecutorHealthBadge, ExecutorLabels } from '../components/executor-badges.tsx';
import { loadColor, loadPercent, useExecutorLoad } from '../components/executor-load.tsx';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { StatusBadge, useFormatters } from '../components/format.tsx';

function Load({ executor }: { executor: Executor }) {
  const { t } = useTranslation();
  return (
    <>
      <Text size="xs" mb={4} className="stat-value">
        {t('executors.loadValue', { running: executor.running, capacity: executor.capacity })}
      </Text>
      <Progress value={loadPercent(executor)} color={loadColor(executor)} size="sm" />
    </>
  );
}

function Heartbeat({ executor }: { executor: Executor }) {
  const format = useFormatters();
  const fresh = executor.status !== 'offline' && executor.heartbeat_age_ms !== null && executor.heartbeat_age_ms < 30_000;
  return (
    <Group gap={4} wrap="nowrap">
      <IconHeartbeat size={14} color={fresh ? 'var(--mantine-color-teal-6)' : 'var(--mantine-color-gray-6)'} />
      <Text size="sm">{format.age(executor.heartbeat_age_ms)}</Text>
    </Group>
  );
}

function Identity({ executor }: { executor: Executor }) {
  const { t } = useTranslation();
  return (
    <div style={{ minWidth: 0 }}>
      <Anchor component={Link} to={`/executors/${executor.id}`} fw={600} size="sm" data-testid="executor-link" style={{ wordBreak: 'break-word' }}>
        {executor.name}
      </Anchor>
      <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
        {t(`executorKind.${executor.kind}`)} · {executor.kind === 'http' ? executor.base_url : executor.instance_id}
        {executor.version ? ` · v${executor.version}` : ''}
      </Text>
    </div>
  );
}

function ExecutorTable({ items, admin }: { items: Executor[]; admin: boolean }) {
  const { t } = useTranslation();
  return (
    <ScrollArea>
      <Table verticalSpacing="sm" miw={admin ? 1040 : 820} data-testid="executor-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('executors.name')}</Table.Th>
            <Table.Th>{t('executors.status')}</Table.Th>
            <Table.Th>{t('executors.health')}</Table.Th>
            <Table.Th>{t('executors.labels')}</Table.Th>
            <Table.Th w={170}>{t('executors.load')}</Table.Th>
            <Table.Th>{t('executors.heartbeat')}</Table.Th>
            {admin && <Table.Th ta="right">{t('executors.actions')}</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((executor) => (
            <Table.Tr key={executor.id} data-executor-name={executor.name}>
              <Table.Td>
                <Identity executor={executor} />
              </Table.Td>
              <Table.Td>
                <StatusBadge status={executor.status} />
              </Table.Td>
              <Table.Td>
                <ExecutorHealthBadge executor={executor} />
              </Table.Td>
              <Table.Td>
                <ExecutorLabels labels={executor.labels} />
              </Table.Td>
              <Table.Td>
                <Load executor={executor} />
              </Table.Td>
              <Table.Td>
                <Heartbeat executor={executor} />
              </Table.Td>
              {admin && (
                <Table.Td>
                  <ExecutorActions executor={executor} />
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}

/** The phone layout: one card per executor, everything in view, nothing to scroll sideways. */
function ExecutorCards({ items }: { items: Executor[] }) {
  const { t } = useTranslation();
  return (
    <Stack gap="sm" data-testid="executor-cards">
      {items.map((executor) => (
        <Card key={executor.id} withBorder data-executor-name={executor.name}>
          <Stack gap="xs">
            <Group justify="space-between" align="flex-start" wrap="nowrap" gap="xs">
              <Identity executor={executor} />
              <Group gap={4} wrap="nowrap" style={{ flex: 'none' }}>
                <StatusBadge status={executor.status} />
              </Group>
            </Group>
            <Group justify="space-between" gap="xs">
              <ExecutorHealthBadge executor={executor} />
              <Heartbeat executor={executor} />
            </Group>
            <div>
              <Load executor={executor} />
            </div>
            <Group gap="xs" wrap="nowrap" align="flex-start">
              <Text size="xs" c="dimmed" style={{ flex: 'none' }}>
                {t('executors.labels')}
              </Text>
              <ExecutorLabels labels={executor.labels} />
            </Group>
            <ExecutorActions executor={executor} justify="flex-start" />
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}

export default function ExecutorsPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const phone = useMediaQuery('(max-width: 48em)', false, { getInitialValueInEffect: false });
  const [registering, setRegistering] = useState({ opened: false, seq: 0 });
  const executors = useExecutorLoad();
  const items = executors.data?.items ?? [];

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('executors.title')}</Title>
        {can('admin') && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setRegistering((current) => ({ opened: true, seq: current.seq + 1 }))} data-testid="register-executor">
            {t('executors.registerHttp')}
          </Button>
        )}
      </Group>
      <ErrorAlert error={executors.error} />
      {executors.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <Card>
          <Text c="dimmed" ta="center" py="xl">
            {t('executors.empty')}
          </Text>
        </Card>
      ) : phone ? (
        <ExecutorCards items={items} />
      ) : (
        <Card p={0}>
          <ExecutorTable items={items} admin={can('admin')} />
        </Card>
      )}
      {registering.seq > 0 && <ExecutorModal key={registering.seq} opened={registering.opened} executor={null} onClose={() => setRegistering((current) => ({ ...current, opened: false }))} />}
    </Stack>
  );
}
