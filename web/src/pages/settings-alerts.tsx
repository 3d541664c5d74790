// Alerts (README "Alerts"): where alerts go (channels, with a test send), what raises
// them (rules) and what was sent lately. Admins change channels and rules; the others read.
import { Alert, Badge, Button, Card, Group, Modal, MultiSelect, NumberInput, PasswordInput, ScrollArea, Select, Stack, Switch, Table, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, del, get, post, put } from '../api/client.ts';
import { alertEvents, channelLocales, channelTypes, type AlertEvent, type AlertRule, type Channel, type ChannelLocale, type ChannelTest, type ChannelType, type Page, type Task } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ErrorAlert, Loading, notifyError, notifySuccess, useConfirm } from '../components/feedback.tsx';
import { RecentAlerts, RuleScope } from './settings-alerts-cards.tsx';

type FieldKind = 'url' | 'text' | 'number' | 'boolean' | 'emails' | 'secret';

/** Each channel type's settings as the form shows them (the server checks them: src/alerts/channel-config.ts). */
const channelFields: Record<ChannelType, { name: string; kind: FieldKind; required?: boolean }[]> = {
  webhook: [
    { name: 'url', kind: 'url', required: true },
    { name: 'secret', kind: 'secret' },
  ],
  email: [
    { name: 'host', kind: 'text', required: true },
    { name: 'port', kind: 'number' },
    { name: 'secure', kind: 'boolean' },
    { name: 'tls_verify', kind: 'boolean' },
    { name: 'username', kind: 'text' },
    { name: 'password', kind: 'secret' },
    { name: 'from', kind: 'text', required: true },
    { name: 'to', kind: 'emails', required: true },
  ],
  slack: [{ name: 'webhook_url', kind: 'secret', required: true }],
  feishu: [
    { name: 'webhook_url', kind: 'secret', required: true },
    { name: 'secret', kind: 'secret' },
  ],
  dingtalk: [
    { name: 'webhook_url', kind: 'secret', required: true },
    { name: 'secret', kind: 'secret' },
  ],
  wecom: [{ name: 'webhook_url', kind: 'secret', required: true }],
};

const isStoredSecret = (value: unknown) => typeof value === 'object' && value !== null && (value as { secret?: unknown }).secret === true;

interface ChannelValues {
  name: string;
  type: ChannelType;
  locale: ChannelLocale;
  config: Record<string, string | number | boolean | string[]>;
}

function ChannelForm({ channel, onDone }: { channel: Channel | null; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const stored = channel?.config ?? {};
  const form = useForm<ChannelValues>({
    initialValues: {
      name: channel?.name ?? '',
      type: channel?.type ?? 'webhook',
      locale: channel?.locale ?? (i18n.language.startsWith('zh') ? 'zh-CN' : 'en'),
      config: Object.fromEntries(Object.entries(stored).map(([key, value]) => [key, isStoredSecret(value) ? '' : (value as string | number | boolean | string[])])),
    },
    validate: { name: (value) => (value.trim() ? null : t('form.required')) },
  });
  const fields = channelFields[form.values.type];
  const save = useMutation({
    mutationFn: (values: ChannelValues) => {
      const config: Record<string, unknown> = {};
      for (const field of fields) {
        const value = values.config[field.name];
        // An empty secret field of a stored channel keeps what is stored.
        if (field.kind === 'secret' && (value === undefined || value === '') && channel?.type === values.type && isStoredSecret(stored[field.name])) config[field.name] = { secret: true };
        else if (value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0)) config[field.name] = value;
      }
      const body = { name: values.name.trim(), type: values.type, locale: values.locale, config };
      return channel ? put(`/channels/${channel.id}`, body) : post('/channels', body);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['channels'] });
      notifySuccess(t('common.saved'));
      onDone();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.field && (error.field in form.values || error.field.startsWith('config.'))) form.setFieldError(error.field, error.message);
      else notifyError(error);
    },
  });
  return (
    <form onSubmit={form.onSubmit((values) => save.mutate(values))} noValidate>
      <Stack>
        <TextInput label={t('alerts.name')} withAsterisk {...form.getInputProps('name')} data-testid="channel-name" />
        <Group grow align="flex-start">
          <Select
            label={t('alerts.type')}
            data={channelTypes.map((type) => ({ value: type, label: t(`alerts.channelType.${type}`) }))}
            allowDeselect={false}
            disabled={channel !== null}
            {...form.getInputProps('type')}
            data-testid="channel-type"
          />
          <Select label={t('alerts.language')} data={channelLocales.map((locale) => ({ value: locale, label: t(`alerts.locale.${locale}`) }))} allowDeselect={false} {...form.getInputProps('locale')} />
        </Group>
        {fields.map((field) => {
          const path = `config.${field.name}`;
          const label = t(`alerts.field.${field.name}`, { defaultValue: field.name });
          const props = { label, withAsterisk: field.required, 'data-testid': `channel-field-${field.name}` };
          if (field.kind === 'boolean') return <Switch key={path} label={label} {...form.getInputProps(path, { type: 'checkbox' })} data-testid={props['data-testid']} />;
          if (field.kind === 'number') return <NumberInput key={path} {...props} min={1} max={65535} {...form.getInputProps(path)} />;
          if (field.kind === 'emails') return <TagsInput key={path} {...props} description={t('alerts.emailsHint')} {...form.getInputProps(path)} value={(form.values.config[field.name] as string[] | undefined) ?? []} />;
          if (field.kind === 'secret') {
            const kept = channel?.type === form.values.type && isStoredSecret(stored[field.name]);
            return (
              <PasswordInput
                key={path}
                {...props}
                withAsterisk={field.required && !kept}
                placeholder={kept ? t('alerts.secretStored') : undefined}
                description={kept ? t('alerts.secretStored') : undefined}
                autoComplete="off"
                {...form.getInputProps(path)}
              />
            );
          }
          return <TextInput key={path} {...props} type={field.kind === 'url' ? 'url' : 'text'} {...form.getInputProps(path)} />;
        })}
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="channel-save">
            {channel ? t('common.save') : t('common.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Channels({ admin }: { admin: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { modal, confirm } = useConfirm();
  const [editing, setEditing] = useState<Channel | 'new' | null>(null);
  const [results, setResults] = useState<Record<string, ChannelTest>>({});
  const channels = useQuery({ queryKey: ['channels'], queryFn: () => get<Page<Channel>>('/channels', { page_size: 100 }), enabled: admin });
  const test = useMutation({
    mutationFn: (channel: Channel) => post<ChannelTest>(`/channels/${channel.id}/test`),
    onSuccess: (result, channel) => setResults((current) => ({ ...current, [channel.id]: result })),
    onError: (error) => notifyError(error),
  });
  if (!admin) return null;
  if (channels.isLoading) return <Loading />;
  const items = channels.data?.items ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={4}>{t('alerts.channels')}</Title>
          <Text c="dimmed" size="sm">
            {t('alerts.channelsHint')}
          </Text>
        </div>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')} data-testid="new-channel">
          {t('alerts.newChannel')}
        </Button>
      </Group>
      <ErrorAlert error={channels.error} />
      <Card p={0}>
        {items.length === 0 ? (
          <Text c="dimmed" ta="center" py="lg" size="sm">
            {t('alerts.noChannels')}
          </Text>
        ) : (
          <ScrollArea>
            <Table verticalSpacing="sm" miw={560}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('alerts.name')}</Table.Th>
                  <Table.Th>{t('alerts.type')}</Table.Th>
                  <Table.Th>{t('alerts.language')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((channel) => {
                  const result = results[channel.id];
                  return (
                    <Table.Tr key={channel.id} data-testid={`channel-${channel.name}`}>
                      <Table.Td>
                        <Text size="sm" fw={600}>
                          {channel.name}
                        </Text>
                        {result && (
                          <Text size="xs" c={result.ok ? 'green' : 'red'} data-testid="channel-test-result" lineClamp={2}>
                            {result.ok ? t('alerts.testOk') : t('alerts.testFailed')}
                            {result.status !== null ? ` · ${result.status}` : ''}
                            {result.response ? ` · ${result.response}` : ''}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Badge variant="light" miw="max-content">
                          {t(`alerts.channelType.${channel.type}`)}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{t(`alerts.locale.${channel.locale}`)}</Text>
                      </Table.Td>
                      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                        <Button size="xs" variant="subtle" loading={test.isPending && test.variables?.id === channel.id} onClick={() => test.mutate(channel)} data-testid="channel-test">
                          {t('alerts.sendTest')}
                        </Button>
                        <Button size="xs" variant="subtle" onClick={() => setEditing(channel)}>
                          {t('common.edit')}
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() =>
                            confirm(t('alerts.deleteChannelTitle'), t('alerts.deleteChannelBody', { name: channel.name }), async () => {
                              await del(`/channels/${channel.id}`);
                              void queryClient.invalidateQueries({ queryKey: ['channels'] });
                            })
                          }
                        >
                          {t('common.delete')}
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
      </Card>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing === 'new' ? t('alerts.newChannel') : t('alerts.editChannel')} centered>
        {editing !== null && <ChannelForm key={editing === 'new' ? 'new' : editing.id} channel={editing === 'new' ? null : editing} onDone={() => setEditing(null)} />}
      </Modal>
      {modal}
    </Stack>
  );
}

interface RuleValues {
  name: string;
  enabled: boolean;
  events: AlertEvent[];
  task_ids: string[];
  tags: string[];
  channel_ids: string[];
  consecutive_failures: number | string;
  no_success_seconds: number | string;
  throttle_seconds: number | string;
  muted_until: string;
}

/** An instant as a datetime-local input shows it (local time, minutes). */
const toLocalInput = (iso: string | null) => {
  if (!iso) return '';
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

function RuleForm({ rule, channels, onDone }: { rule: AlertRule | null; channels: Channel[]; onDone: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState('');
  const form = useForm<RuleValues>({
    initialValues: {
      name: rule?.name ?? '',
      enabled: rule?.enabled ?? true,
      events: rule?.events ?? ['failed'],
      task_ids: rule?.task_ids ?? [],
      tags: rule?.tags ?? [],
      channel_ids: rule?.channel_ids ?? [],
      consecutive_failures: rule?.consecutive_failures ?? 3,
      no_success_seconds: rule?.no_success_seconds ?? 86_400,
      throttle_seconds: rule?.throttle_seconds ?? 3600,
      muted_until: toLocalInput(rule?.muted_until ?? null),
    },
    validate: {
      name: (value) => (value.trim() ? null : t('form.required')),
      events: (value) => (value.length ? null : t('form.required')),
      channel_ids: (value) => (value.length ? null : t('form.required')),
    },
  });
  const tasks = useQuery({ queryKey: ['alert-rule-tasks', search], queryFn: () => get<Page<Task>>('/tasks', { search, page_size: 20 }) });
  // The chosen tasks stay selectable by name whatever the search shows.
  const [known, setKnown] = useState<Record<string, string>>({});
  const chosen = useQuery({
    queryKey: ['alert-rule-chosen', rule?.id],
    queryFn: async () => Object.fromEntries((await Promise.all((rule?.task_ids ?? []).map((id) => get<Task>(`/tasks/${id}`).catch(() => null)))).filter((task) => task !== null).map((task) => [task.id, task.name])),
    enabled: (rule?.task_ids.length ?? 0) > 0,
  });
  const names = { ...chosen.data, ...known, ...Object.fromEntries((tasks.data?.items ?? []).map((task) => [task.id, task.name])) };
  const taskOptions = [...new Set([...form.values.task_ids, ...(tasks.data?.items ?? []).map((task) => task.id)])].map((id) => ({ value: id, label: names[id] ?? id }));
  const save = useMutation({
    mutationFn: (values: RuleValues) => {
      const body = {
        name: values.name.trim(),
        enabled: values.enabled,
        events: values.events,
        task_ids: values.task_ids,
        tags: values.tags,
        channel_ids: values.channel_ids,
        consecutive_failures: values.events.includes('consecutive_failures') ? Number(values.consecutive_failures) : null,
        no_success_seconds: values.events.includes('no_success') ? Number(values.no_success_seconds) : null,
        throttle_seconds: Number(values.throttle_seconds || 0),
        muted_until: values.muted_until ? new Date(values.muted_until).toISOString() : null,
      };
      return rule ? put(`/alert-rules/${rule.id}`, body) : post('/alert-rules', body);
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['alert-rules'] });
      notifySuccess(t('common.saved'));
      onDone();
    },
    onError: (error) => {
      const field = error instanceof ApiError ? error.field?.replace(/\/.*$/, '').replace(/\.\d+$/, '') : null;
      if (error instanceof ApiError && field && field in form.values) form.setFieldError(field, error.message);
      else notifyError(error);
    },
  });
  return (
    <form onSubmit={form.onSubmit((values) => save.mutate(values))} noValidate>
      <Stack>
        <TextInput label={t('alerts.name')} withAsterisk {...form.getInputProps('name')} data-testid="rule-name" />
        <Switch label={t('alerts.enabled')} {...form.getInputProps('enabled', { type: 'checkbox' })} />
        <MultiSelect label={t('alerts.events')} withAsterisk data={alertEvents.map((event) => ({ value: event, label: t(`alerts.event.${event}`) }))} {...form.getInputProps('events')} data-testid="rule-events" />
        {form.values.events.includes('consecutive_failures') && <NumberInput label={t('alerts.consecutiveFailures')} min={2} max={1000} {...form.getInputProps('consecutive_failures')} />}
        {form.values.events.includes('no_success') && <NumberInput label={t('alerts.noSuccessSeconds')} min={60} {...form.getInputProps('no_success_seconds')} />}
        <MultiSelect
          label={t('alerts.tasks')}
          description={t('alerts.scopeHint')}
          data={taskOptions}
          searchable
          searchValue={search}
          onSearchChange={setSearch}
          filter={({ options }) => options}
          nothingFoundMessage={t('alerts.noTasksFound')}
          {...form.getInputProps('task_ids')}
          onChange={(value) => {
            setKnown((current) => ({ ...current, ...Object.fromEntries(taskOptions.map((option) => [option.value, option.label])) }));
            form.setFieldValue('task_ids', value);
          }}
          data-testid="rule-tasks"
        />
        <TagsInput label={t('alerts.tags')} {...form.getInputProps('tags')} />
        <MultiSelect label={t('alerts.channelsField')} withAsterisk data={channels.map((channel) => ({ value: channel.id, label: channel.name }))} {...form.getInputProps('channel_ids')} data-testid="rule-channels" />
        <NumberInput label={t('alerts.throttle')} description={t('alerts.throttleHint')} min={0} max={604_800} {...form.getInputProps('throttle_seconds')} />
        <TextInput type="datetime-local" label={t('alerts.mutedUntil')} {...form.getInputProps('muted_until')} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="rule-save">
            {rule ? t('common.save') : t('common.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function Rules({ admin }: { admin: boolean }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { modal, confirm } = useConfirm();
  const [editing, setEditing] = useState<AlertRule | 'new' | null>(null);
  const rules = useQuery({ queryKey: ['alert-rules'], queryFn: () => get<Page<AlertRule>>('/alert-rules', { page_size: 100 }) });
  const channels = useQuery({ queryKey: ['channels'], queryFn: () => get<Page<Channel>>('/channels', { page_size: 100 }), enabled: admin });
  if (rules.isLoading) return <Loading />;
  const items = rules.data?.items ?? [];
  const channelName = Object.fromEntries((channels.data?.items ?? []).map((channel) => [channel.id, channel.name]));
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={4}>{t('alerts.rules')}</Title>
          <Text c="dimmed" size="sm">
            {t('alerts.rulesHint')}
          </Text>
        </div>
        {admin && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')} disabled={(channels.data?.items.length ?? 0) === 0} data-testid="new-rule">
            {t('alerts.newRule')}
          </Button>
        )}
      </Group>
      <ErrorAlert error={rules.error} />
      <Card p={0}>
        {items.length === 0 ? (
          <Text c="dimmed" ta="center" py="lg" size="sm">
            {t('alerts.noRules')}
          </Text>
        ) : (
          <ScrollArea>
            <Table verticalSpacing="sm" miw={720}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('alerts.name')}</Table.Th>
                  <Table.Th>{t('alerts.events')}</Table.Th>
                  <Table.Th>{t('alerts.scope')}</Table.Th>
                  {admin && <Table.Th>{t('alerts.channelsField')}</Table.Th>}
                  <Table.Th>{t('alerts.throttle')}</Table.Th>
                  {admin && <Table.Th />}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((rule) => (
                  <Table.Tr key={rule.id} data-testid={`rule-${rule.name}`}>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Text size="sm" fw={600}>
                          {rule.name}
                        </Text>
                        {!rule.enabled && (
                          <Badge color="gray" variant="light" size="sm">
                            {t('alerts.off')}
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{rule.events.map((event) => t(`alerts.event.${event}`)).join(', ')}</Text>
                    </Table.Td>
                    <Table.Td>
                      <RuleScope rule={rule} />
                    </Table.Td>
                    {admin && (
                      <Table.Td>
                        <Text size="sm">{rule.channel_ids.map((id) => channelName[id] ?? id).join(', ')}</Text>
                      </Table.Td>
                    )}
                    <Table.Td>
                      <Text size="sm">{t('alerts.seconds', { count: rule.throttle_seconds })}</Text>
                    </Table.Td>
                    {admin && (
                      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                        <Button size="xs" variant="subtle" onClick={() => setEditing(rule)}>
                          {t('common.edit')}
                        </Button>
                        <Button
                          size="xs"
                          variant="subtle"
                          color="red"
                          onClick={() =>
                            confirm(t('alerts.deleteRuleTitle'), t('alerts.deleteRuleBody', { name: rule.name }), async () => {
                              await del(`/alert-rules/${rule.id}`);
                              void queryClient.invalidateQueries({ queryKey: ['alert-rules'] });
                            })
                          }
                        >
                          {t('common.delete')}
                        </Button>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
      </Card>
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing === 'new' ? t('alerts.newRule') : t('alerts.editRule')} centered size="lg">
        {editing !== null && <RuleForm key={editing === 'new' ? 'new' : editing.id} rule={editing === 'new' ? null : editing} channels={channels.data?.items ?? []} onDone={() => setEditing(null)} />}
      </Modal>
      {modal}
    </Stack>
  );
}

export default function AlertsPanel() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const admin = can('admin');
  return (
    <Stack gap="xl">
      {!admin && <Alert color="blue">{t('alerts.readOnly')}</Alert>}
      <Channels admin={admin} />
      <Rules admin={admin} />
      <Stack>
        <Title order={4}>{t('alerts.recent')}</Title>
        <Card p={0}>
          <RecentAlerts />
        </Card>
      </Stack>
    </Stack>
  );
}
