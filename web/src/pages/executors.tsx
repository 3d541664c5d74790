// The executor fleet: status, health, labels, load and heartbeat; maintenance and
// online; register an HTTP executor and edit it (an agent reports its own details);
// remove one that is offline or in maintenance.
import { Alert, Badge, Button, Card, Checkbox, Code, CopyButton, Group, JsonInput, Modal, NumberInput, Progress, ScrollArea, SimpleGrid, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconCheck, IconCopy, IconHeartbeat, IconPencil, IconPlus, IconTool, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { IN_PROCESS_INSTANCE_PREFIX } from '../../../src/protocol/enums.ts';
import { ApiError, del, post, put } from '../api/client.ts';
import type { Executor, RegisteredExecutor } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ErrorAlert, Loading, notifyError, notifySuccess, useConfirm } from '../components/feedback.tsx';
import { loadColor, loadPercent, useExecutorLoad } from '../components/executor-load.tsx';
import { KeyValueEditor, mapFromRows, rowsFromMap, type KeyValueRow } from '../components/key-value-editor.tsx';
import { StatusBadge, useFormatters } from '../components/format.tsx';

const urlPattern = /^https?:\/\/\S+$/;

function parseMetadata(text: string): Record<string, unknown> | null {
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Register an HTTP executor, or edit one: the same request with the same instance_id
 * updates it. Runners are not in the form, so an edit sends the executor's own back
 * (left out, the server would reset them to the default).
 */
function ExecutorModal({ opened, executor, onClose }: { opened: boolean; executor: Executor | null; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const editing = executor !== null;
  const [secret, setSecret] = useState<string | null>(null);
  const [labels, setLabels] = useState<KeyValueRow[]>(() => rowsFromMap(executor?.labels));
  const form = useForm({
    initialValues: {
      name: executor?.name ?? '',
      instance_id: executor?.instance_id ?? '',
      base_url: executor?.base_url ?? '',
      health_check_url: executor?.health_check_url ?? '',
      capacity: (executor?.capacity ?? 10) as number | string,
      metadata: executor?.metadata && Object.keys(executor.metadata).length > 0 ? JSON.stringify(executor.metadata, null, 2) : '',
      rotate_secret: false,
    },
    validate: {
      name: (value) => (value.trim() ? null : t('form.required')),
      instance_id: (value) => (value.trim() ? null : t('form.required')),
      base_url: (value) => (urlPattern.test(value.trim()) ? null : t('form.url')),
      health_check_url: (value) => (!value.trim() || urlPattern.test(value.trim()) ? null : t('form.url')),
      metadata: (value) => (parseMetadata(value) ? null : t('executors.metadataInvalid')),
    },
  });
  const save = useMutation({
    mutationFn: (values: typeof form.values) =>
      post<RegisteredExecutor>('/executors/register', {
        name: values.name.trim(),
        instance_id: values.instance_id.trim(),
        base_url: values.base_url.trim(),
        health_check_url: values.health_check_url.trim() || null,
        capacity: Number(values.capacity) || 10,
        labels: mapFromRows(labels) as Record<string, string>,
        metadata: parseMetadata(values.metadata) ?? {},
        ...(editing && executor.runners ? { runners: executor.runners } : {}),
        ...(editing && values.rotate_secret ? { rotate_secret: true } : {}),
      }),
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ['executors'] });
      notifySuccess(t(editing ? 'executors.saved' : 'executors.registered', { name: saved.name }));
      if (saved.callback_secret) setSecret(saved.callback_secret);
      else onClose();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.field && error.field in form.values) form.setFieldError(error.field, error.message);
      else notifyError(error);
    },
  });
  // The parent mounts a fresh modal for every opening, so closing needs no reset (and the
  // form does not flash back while the dialog fades out).
  return (
    <Modal opened={opened} onClose={onClose} title={editing ? t('executors.editTitle', { name: executor.name }) : t('executors.registerTitle')} size="lg" centered>
      {secret ? (
        <Stack>
          <Alert color="yellow">{t('executors.callbackSecretOnce')}</Alert>
          <Group wrap="nowrap">
            <Code style={{ flex: 1, wordBreak: 'break-all' }} data-testid="callback-secret">
              {secret}
            </Code>
            <CopyButton value={secret}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy} leftSection={copied ? <IconCheck size={14} /> : <IconCopy size={14} />}>
                  {copied ? t('common.copied') : t('common.copy')}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Group justify="flex-end">
            <Button onClick={onClose}>{t('common.done')}</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={form.onSubmit((values) => save.mutate(values))} noValidate data-testid="executor-form">
          <Stack>
            <Text size="sm" c="dimmed">
              {t('executors.registerHint')}
            </Text>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput label={t('executors.name')} withAsterisk {...form.getInputProps('name')} data-testid="executor-field-name" />
              <TextInput
                label={t('executors.instanceId')}
                description={editing ? t('executors.instanceIdFixed') : t('executors.instanceIdHint')}
                withAsterisk={!editing}
                disabled={editing}
                {...form.getInputProps('instance_id')}
                data-testid="executor-field-instance"
              />
              <TextInput label={t('executors.baseUrl')} placeholder="http://10.0.0.5:9000" withAsterisk {...form.getInputProps('base_url')} data-testid="executor-field-base-url" />
              <TextInput label={t('executors.healthUrl')} placeholder="http://10.0.0.5:9000/health" {...form.getInputProps('health_check_url')} data-testid="executor-field-health-url" />
              <NumberInput label={t('executors.capacity')} min={1} max={10000} {...form.getInputProps('capacity')} data-testid="executor-field-capacity" />
            </SimpleGrid>
            <KeyValueEditor label={t('executors.labels')} value={labels} onChange={setLabels} allowSecrets={false} testId="executor-field-labels" />
            <JsonInput
              label={t('executors.metadata')}
              description={t('executors.metadataHint')}
              placeholder={'{ "zone": "eu-1" }'}
              autosize
              minRows={2}
              maxRows={8}
              formatOnBlur
              {...form.getInputProps('metadata')}
              data-testid="executor-field-metadata"
            />
            {editing && <Checkbox label={t('executors.rotateSecret')} {...form.getInputProps('rotate_secret', { type: 'checkbox' })} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={save.isPending} data-testid="executor-save">
                {editing ? t('common.save') : t('executors.register')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** A shell word, quoted when it needs to be. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** An agent reports its own name, labels and capacity: the way to change them, instead of a form. */
function AgentNoteModal({ executor, onClose }: { executor: Executor | null; onClose: () => void }) {
  const { t } = useTranslation();
  const labels = Object.entries(executor?.labels ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
  const command = executor
    ? [
        'cronfleet executor --server … --token …',
        `--name ${shellWord(executor.name)}`,
        `--instance-id ${shellWord(executor.instance_id)}`,
        ...(labels ? [`--labels ${shellWord(labels)}`] : []),
        `--capacity ${executor.capacity}`,
      ].join(' \\\n    ')
    : '';
  return (
    <Modal opened={executor !== null} onClose={onClose} title={executor ? t('executors.agentTitle', { name: executor.name }) : ''} size="lg" centered>
      <Stack data-testid="agent-note">
        <Text size="sm">{t('executors.agentNote')}</Text>
        <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
          {command}
        </Code>
        <Group justify="flex-end">
          <Button onClick={onClose}>{t('common.done')}</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export default function ExecutorsPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const format = useFormatters();
  const queryClient = useQueryClient();
  // A fresh form for every opening (seq), kept mounted while it closes.
  const [dialog, setDialog] = useState<{ opened: boolean; executor: Executor | null; seq: number }>({ opened: false, executor: null, seq: 0 });
  const [agentNote, setAgentNote] = useState<Executor | null>(null);
  const openForm = (executor: Executor | null) => setDialog((current) => ({ opened: true, executor, seq: current.seq + 1 }));
  const executors = useExecutorLoad();
  const setStatus = useMutation({
    mutationFn: ({ executor, status }: { executor: Executor; status: 'online' | 'maintenance' }) => put<Executor>(`/executors/${executor.id}/status`, { status, reason: 'web UI' }),
    onSuccess: (executor) => {
      notifySuccess(t(executor.status === 'maintenance' ? 'executors.inMaintenance' : 'executors.backOnline', { name: executor.name }));
      void queryClient.invalidateQueries({ queryKey: ['executors'] });
    },
    onError: (error) => notifyError(error),
  });
  // Offered for what the server removes (offline or maintenance, never the built-in
  // executor of `cronfleet up`); one still running work is refused by the server with a
  // message that says so (shown as the error).
  const { modal: confirmModal, confirm } = useConfirm();
  const askRemove = (executor: Executor) =>
    confirm(t('executors.removeTitle'), t('executors.removeBody', { name: executor.name }), async () => {
      await del(`/executors/${executor.id}`);
      notifySuccess(t('executors.removed', { name: executor.name }));
      await queryClient.invalidateQueries({ queryKey: ['executors'] });
    });
  const items = executors.data?.items ?? [];

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('executors.title')}</Title>
        {can('admin') && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => openForm(null)} data-testid="register-executor">
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
            <Table verticalSpacing="sm" miw={960} data-testid="executor-table">
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
                            <Badge key={key} size="xs" variant="outline" color="gray" tt="none">
                              {key}={value}
                            </Badge>
                          ))}
                          {Object.keys(executor.labels).length === 0 && (
                            <Text size="xs" c="dimmed">
                              —
                            </Text>
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <Text size="xs" mb={4} className="stat-value">
                          {t('executors.loadValue', { running: executor.running, capacity: executor.capacity })}
                        </Text>
                        <Progress value={loadPercent(executor)} color={loadColor(executor)} size="sm" />
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4} wrap="nowrap">
                          <IconHeartbeat size={14} color={executor.heartbeat_age_ms !== null && executor.heartbeat_age_ms < 30_000 ? 'var(--mantine-color-teal-6)' : 'var(--mantine-color-gray-6)'} />
                          <Text size="sm">{format.age(executor.heartbeat_age_ms)}</Text>
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        {can('admin') && (
                          <Group gap="xs" justify="flex-end" wrap="nowrap">
                            <Button size="xs" variant="default" leftSection={<IconPencil size={14} />} onClick={() => (executor.kind === 'http' ? openForm(executor) : setAgentNote(executor))} data-testid="executor-edit">
                              {t('executors.edit')}
                            </Button>
                            {executor.status === 'maintenance' ? (
                              <Button size="xs" variant="light" color="teal" onClick={() => setStatus.mutate({ executor, status: 'online' })} data-testid="executor-online">
                                {t('executors.setOnline')}
                              </Button>
                            ) : executor.status === 'online' ? (
                              <Button
                                size="xs"
                                variant="light"
                                color="yellow"
                                leftSection={<IconTool size={14} />}
                                onClick={() => setStatus.mutate({ executor, status: 'maintenance' })}
                                data-testid="executor-maintenance"
                              >
                                {t('executors.setMaintenance')}
                              </Button>
                            ) : null}
                            {executor.status !== 'online' && !executor.instance_id.startsWith(IN_PROCESS_INSTANCE_PREFIX) && (
                              <Tooltip label={t('executors.removeHint')}>
                                <Button size="xs" variant="light" color="red" leftSection={<IconTrash size={14} />} onClick={() => askRemove(executor)} data-testid="executor-remove">
                                  {t('executors.remove')}
                                </Button>
                              </Tooltip>
                            )}
                          </Group>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
      </Card>
      <ExecutorModal key={dialog.seq} opened={dialog.opened} executor={dialog.executor} onClose={() => setDialog((current) => ({ ...current, opened: false }))} />
      <AgentNoteModal executor={agentNote} onClose={() => setAgentNote(null)} />
      {confirmModal}
    </Stack>
  );
}
