// The executor fleet: status, health, labels, load and heartbeat; maintenance and
// online; register an HTTP executor.
import { Alert, Badge, Button, Card, Code, CopyButton, Group, Modal, NumberInput, Progress, ScrollArea, SimpleGrid, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconCheck, IconCopy, IconHeartbeat, IconPlus, IconTool } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, get, post, put } from '../api/client.ts';
import type { Executor, Page } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ErrorAlert, Loading, notifyError, notifySuccess } from '../components/feedback.tsx';
import { KeyValueEditor, mapFromRows, type KeyValueRow } from '../components/key-value-editor.tsx';
import { StatusBadge, useFormatters } from '../components/format.tsx';
import { useRefetchInterval } from '../live.tsx';

function RegisterModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [secret, setSecret] = useState<string | null>(null);
  const [labels, setLabels] = useState<KeyValueRow[]>([]);
  const form = useForm({
    initialValues: { name: '', instance_id: '', base_url: '', health_check_url: '', capacity: 10 as number | string },
    validate: {
      name: (value) => (value.trim() ? null : t('form.required')),
      instance_id: (value) => (value.trim() ? null : t('form.required')),
      base_url: (value) => (/^https?:\/\/\S+$/.test(value.trim()) ? null : t('form.url')),
      health_check_url: (value) => (!value.trim() || /^https?:\/\/\S+$/.test(value.trim()) ? null : t('form.url')),
    },
  });
  const register = useMutation({
    mutationFn: (values: typeof form.values) =>
      post<Executor>('/executors/register', {
        name: values.name.trim(),
        instance_id: values.instance_id.trim(),
        base_url: values.base_url.trim(),
        health_check_url: values.health_check_url.trim() || null,
        capacity: Number(values.capacity) || 10,
        labels: mapFromRows(labels) as Record<string, string>,
      }),
    onSuccess: (executor) => {
      void queryClient.invalidateQueries({ queryKey: ['executors'] });
      notifySuccess(t('executors.registered', { name: executor.name }));
      if (executor.callback_secret) setSecret(executor.callback_secret);
      else close();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.field && error.field in form.values) form.setFieldError(error.field, error.message);
      else notifyError(error);
    },
  });
  const close = () => {
    setSecret(null);
    form.reset();
    setLabels([]);
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={t('executors.registerTitle')} size="lg" centered>
      {secret ? (
        <Stack>
          <Alert color="yellow">{t('executors.callbackSecretOnce')}</Alert>
          <Group wrap="nowrap">
            <Code style={{ flex: 1, wordBreak: 'break-all' }} data-testid="callback-secret">
              {secret}
            </Code>
            <CopyButton value={secret}>{({ copied, copy }) => <Button size="xs" variant="light" onClick={copy} leftSection={copied ? <IconCheck size={14} /> : <IconCopy size={14} />}>{copied ? t('common.copied') : t('common.copy')}</Button>}</CopyButton>
          </Group>
          <Group justify="flex-end">
            <Button onClick={close}>{t('common.done')}</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={form.onSubmit((values) => register.mutate(values))} noValidate>
          <Stack>
            <Text size="sm" c="dimmed">
              {t('executors.registerHint')}
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput label={t('executors.name')} withAsterisk {...form.getInputProps('name')} />
              <TextInput label={t('executors.instanceId')} description={t('executors.instanceIdHint')} withAsterisk {...form.getInputProps('instance_id')} />
              <TextInput label={t('executors.baseUrl')} placeholder="http://10.0.0.5:9000" withAsterisk {...form.getInputProps('base_url')} />
              <TextInput label={t('executors.healthUrl')} placeholder="http://10.0.0.5:9000/health" {...form.getInputProps('health_check_url')} />
              <NumberInput label={t('executors.capacity')} min={1} max={10000} {...form.getInputProps('capacity')} />
            </SimpleGrid>
            <KeyValueEditor label={t('executors.labels')} value={labels} onChange={setLabels} allowSecrets={false} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={register.isPending}>
                {t('executors.register')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

export default function ExecutorsPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const format = useFormatters();
  const queryClient = useQueryClient();
  const [registering, setRegistering] = useState(false);
  const refetchInterval = useRefetchInterval(5000);
  const executors = useQuery({ queryKey: ['executors'], queryFn: () => get<Page<Executor>>('/executors'), refetchInterval });
  const setStatus = useMutation({
    mutationFn: ({ executor, status }: { executor: Executor; status: 'online' | 'maintenance' }) => put<Executor>(`/executors/${executor.id}/status`, { status, reason: 'web UI' }),
    onSuccess: (executor) => {
      notifySuccess(t(executor.status === 'maintenance' ? 'executors.inMaintenance' : 'executors.backOnline', { name: executor.name }));
      void queryClient.invalidateQueries({ queryKey: ['executors'] });
    },
    onError: (error) => notifyError(error),
  });
  const items = executors.data?.items ?? [];

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('executors.title')}</Title>
        {can('admin') && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setRegistering(true)} data-testid="register-executor">
            {t('executors.registerHttp')}
          </Button>
        )}
      </Group>
      <ErrorAlert error={executors.error} />
      <Card p={0}>
        {executors.isLoading ? (
          <Loading />
        ) : items.length === 0 ? (
          <Text c="dimmed" ta="center" py="xl">
            {t('executors.empty')}
          </Text>
        ) : (
          <ScrollArea>
            <Table verticalSpacing="sm" miw={860} data-testid="executor-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('executors.name')}</Table.Th>
                  <Table.Th>{t('executors.status')}</Table.Th>
                  <Table.Th>{t('executors.health')}</Table.Th>
                  <Table.Th>{t('executors.labels')}</Table.Th>
                  <Table.Th w={170}>{t('executors.load')}</Table.Th>
                  <Table.Th>{t('executors.heartbeat')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((executor) => {
                  const load = executor.capacity > 0 ? (executor.running / executor.capacity) * 100 : 0;
                  return (
                    <Table.Tr key={executor.id} data-executor-name={executor.name}>
                      <Table.Td>
                        <Text fw={600} size="sm">
                          {executor.name}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {t(`executorKind.${executor.kind}`)} · {executor.kind === 'http' ? executor.base_url : executor.instance_id}
                          {executor.version ? ` · v${executor.version}` : ''}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <StatusBadge status={executor.status} />
                      </Table.Td>
                      <Table.Td>
                        <Tooltip label={executor.health_check_failures ? t('executors.failures', { count: executor.health_check_failures }) : t('executors.healthy')}>
                          <Badge color={executor.is_healthy ? 'teal' : 'red'} variant="dot">
                            {executor.is_healthy ? t('executors.healthy') : t('executors.unhealthy')}
                          </Badge>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          {Object.entries(executor.labels).map(([key, value]) => (
                            <Badge key={key} size="xs" variant="outline" color="gray">
                              {key}={value}
                            </Badge>
                          ))}
                          {Object.keys(executor.labels).length === 0 && <Text size="xs" c="dimmed">—</Text>}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" mb={4} className="stat-value">
                          {t('executors.loadValue', { running: executor.running, capacity: executor.capacity })}
                        </Text>
                        <Progress value={load} color={load >= 90 ? 'red' : load >= 60 ? 'yellow' : 'indigo'} size="sm" />
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4} wrap="nowrap">
                          <IconHeartbeat size={14} color={executor.heartbeat_age_ms !== null && executor.heartbeat_age_ms < 30_000 ? 'var(--mantine-color-teal-6)' : 'var(--mantine-color-gray-6)'} />
                          <Text size="sm">{format.age(executor.heartbeat_age_ms)}</Text>
                        </Group>
                      </Table.Td>
                      <Table.Td ta="right">
                        {can('admin') &&
                          (executor.status === 'maintenance' ? (
                            <Button size="xs" variant="light" color="teal" onClick={() => setStatus.mutate({ executor, status: 'online' })} data-testid="executor-online">
                              {t('executors.setOnline')}
                            </Button>
                          ) : executor.status === 'online' ? (
                            <Button size="xs" variant="light" color="yellow" leftSection={<IconTool size={14} />} onClick={() => setStatus.mutate({ executor, status: 'maintenance' })} data-testid="executor-maintenance">
                              {t('executors.setMaintenance')}
                            </Button>
                          ) : null)}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
      </Card>
      <RegisterModal opened={registering} onClose={() => setRegistering(false)} />
    </Stack>
  );
}
