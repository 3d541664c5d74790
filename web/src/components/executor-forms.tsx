// The executor forms: register an HTTP executor or edit one, and for an agent (which
// reports its own details) the command that changes them instead.
import { Alert, Button, Checkbox, Code, CopyButton, Group, JsonInput, Modal, NumberInput, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, post } from '../api/client.ts';
import type { Executor, RegisteredExecutor } from '../api/types.ts';
import { notifyError, notifySuccess } from './feedback.tsx';
import { KeyValueEditor, mapFromRows, rowsFromMap, type KeyValueRow } from './key-value-editor.tsx';

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
export function ExecutorModal({ opened, executor, onClose }: { opened: boolean; executor: Executor | null; onClose: () => void }) {
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
export function AgentNoteModal({ executor, onClose }: { executor: Executor | null; onClose: () => void }) {
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
