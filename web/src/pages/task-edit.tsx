// Create or edit a task: every field of the task body, grouped in sections, with the
// server's validation errors shown on the field they name.
import { Alert, Anchor, Button, Card, Grid, Group, JsonInput, NumberInput, SegmentedControl, Select, Stack, Switch, TagsInput, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDebouncedValue } from '@mantine/hooks';
import { IconDeviceFloppy } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { taskDefaults } from '../../../src/protocol/enums.ts';
import { ApiError, get, post, put } from '../api/client.ts';
import { cronDialects, executionModes, loadBalanceStrategies, misfirePolicies, taskTypes, type Executor, type Page, type SchedulePreview, type Task } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { CronHelper } from '../components/cron-helper.tsx';
import { ErrorAlert, Loading, notifySuccess } from '../components/feedback.tsx';
import { ExecutorPicker } from '../components/executor-picker.tsx';
import { KeyValueEditor } from '../components/key-value-editor.tsx';
import { cloneValues } from './task-clone.ts';
import { blank, bodyFromValues, formPathOf, valuesFromTask, type TaskFormValues } from './task-form-values.ts';
import { isTaskName } from '../../../src/protocol/enums.ts';
import { browserTimeZone } from '../time-zone.ts';

/** Monospace for the value only, not the label. */
const mono = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };

function timeZones(): string[] {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];
  } catch {
    return ['UTC'];
  }
}

export default function TaskEditPage() {
  const { t, i18n } = useTranslation();
  const { can, user } = useAuth();
  const { id } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const editing = id !== undefined;
  const [formError, setFormError] = useState<unknown>(null);
  const zones = useMemo(timeZones, []);
  const browserZone = useMemo(browserTimeZone, []);
  const existing = useQuery({ queryKey: ['task', id], queryFn: () => get<Task>(`/tasks/${id}`), enabled: editing });
  const [searchParams] = useSearchParams();
  const cloneOf = editing ? null : searchParams.get('clone'); // the task list's "Clone": a copy to start from
  const source = useQuery({ queryKey: ['task', cloneOf], queryFn: () => get<Task>(`/tasks/${cloneOf}`), enabled: cloneOf !== null });
  const executors = useQuery({ queryKey: ['executors'], queryFn: () => get<Page<Executor>>('/executors') });

  const form = useForm<TaskFormValues>({
    initialValues: blank,
    validateInputOnBlur: true,
    validate: {
      name: (value) => (!value.trim() ? t('form.required') : isTaskName(value.trim().normalize('NFC')) ? null : t('form.namePattern')),
      command: (value, values) => (values.type === 'command' && !value.trim() ? t('form.required') : null),
      script: { body: (value, values) => (values.type === 'script' && !value.trim() ? t('form.required') : null) },
      http: { url: (value, values) => (values.type === 'http' && !/^https?:\/\/\S+$/.test(value.trim()) ? t('form.url') : null) },
      docker: { image: (value, values) => (values.type === 'docker' && !value.trim() ? t('form.required') : null) },
      parameters: (value) => {
        try {
          const parsed: unknown = JSON.parse(value.trim() || '{}');
          return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? null : t('form.jsonObject');
        } catch {
          return t('form.invalidJson');
        }
      },
      timeout_seconds: (value) => (Number(value) >= 1 ? null : t('form.positive')),
      max_retry: (value) => (Number(value) >= 0 ? null : t('form.nonNegative')),
    },
  });

  // The form is drawn once it holds the task's values (editing) or the copy's (cloning):
  // drawn before, its schedule preview would show the blank form's fires for a moment.
  const [filled, setFilled] = useState(!editing && cloneOf === null);
  useEffect(() => {
    if (existing.data) {
      form.setValues(valuesFromTask(existing.data));
      form.resetDirty();
      setFilled(true);
    }
  }, [existing.data]);
  useEffect(() => {
    if (source.data) form.setValues(cloneValues(source.data));
    if (source.data || source.error) setFilled(true);
  }, [source.data, source.error]);

  const save = useMutation({
    mutationFn: (values: TaskFormValues) => (editing ? put<Task>(`/tasks/${id}`, bodyFromValues(values)) : post<Task>('/tasks', bodyFromValues(values))),
    onSuccess: (task) => {
      notifySuccess(t(editing ? 'form.saved' : 'form.created', { name: task.name }));
      void queryClient.invalidateQueries({ queryKey: ['tasks'] });
      queryClient.setQueryData(['task', task.id], task);
      void navigate(`/tasks/${task.id}`);
    },
    onError: (error) => {
      if (error instanceof ApiError && error.field) {
        const path = formPathOf(error.field, form.getValues().type);
        if (path) {
          form.setFieldError(path, error.message);
          setFormError(null);
          document.querySelector(`[data-path="${path}"]`)?.scrollIntoView({ behavior: 'smooth', block: 'center' });
          return;
        }
      }
      setFormError(error);
    },
  });

  // The server's verdict on the cron expression as it is typed (the preview validates it as
  // a save would): a refused one marks the field with the server's reason. A time zone the
  // server refuses marks the time zone field instead.
  // Debounced as one string: a fresh object each render would never settle.
  const [previewedKey] = useDebouncedValue(JSON.stringify([form.values.cron_expression.trim(), form.values.timezone || 'UTC', form.values.cron_dialect]), 350);
  const [expression, timezone, dialect] = JSON.parse(previewedKey) as [string, string, TaskFormValues['cron_dialect']];
  const previewed = { expression, timezone, dialect };
  const language = i18n.resolvedLanguage ?? 'en';
  const preview = useQuery({
    queryKey: ['schedule-preview', 'check', previewed.expression, previewed.timezone, previewed.dialect, language],
    queryFn: () =>
      post<SchedulePreview>('/schedules/preview', {
        cron_expression: previewed.expression,
        timezone: previewed.timezone,
        cron_dialect: previewed.dialect,
        locale: language.startsWith('zh') ? 'zh-CN' : 'en',
        count: 1,
      }),
    enabled: previewed.expression !== '',
    retry: false,
    staleTime: 30_000,
  });
  const previewError = previewed.expression === form.values.cron_expression.trim() && preview.error instanceof ApiError && preview.error.status === 400 ? preview.error : null;
  const timezoneProblem = previewError?.field === 'timezone' ? previewError.message : null;
  const cronProblem = previewError && !timezoneProblem ? previewError.message : null;

  if (!can('operator')) {
    return (
      <Stack maw={1100}>
        <Anchor component={Link} to={editing ? `/tasks/${id}` : '/tasks'} size="sm">
          ← {t('nav.tasks')}
        </Anchor>
        <Title order={2}>{editing ? t('form.editTitle') : t('form.newTitle')}</Title>
        <Alert color="gray" variant="light" data-testid="task-form-read-only">
          {t('form.readOnly', { role: t(`role.${user?.role ?? 'viewer'}`) })}
        </Alert>
      </Stack>
    );
  }
  if (editing && existing.error) return <ErrorAlert error={existing.error} />;
  if (!filled) return <Loading />;
  const values = form.getValues();
  const type = form.values.type;
  const pathProps = (path: string) => ({ ...form.getInputProps(path), 'data-path': path });

  return (
    <form onSubmit={form.onSubmit((submitted) => save.mutate(submitted))} noValidate data-testid="task-form">
      <Stack maw={1100}>
        <Group justify="space-between">
          <div>
            <Anchor component={Link} to={editing ? `/tasks/${id}` : '/tasks'} size="sm">
              ← {editing ? values.name || t('nav.tasks') : t('nav.tasks')}
            </Anchor>
            <Title order={2}>{editing ? t('form.editTitle') : t('form.newTitle')}</Title>
          </div>
          <Button type="submit" leftSection={<IconDeviceFloppy size={16} />} loading={save.isPending} data-testid="task-save">
            {editing ? t('common.save') : t('form.create')}
          </Button>
        </Group>
        {formError ? <ErrorAlert error={formError} /> : null}
        {Object.keys(form.errors).length > 0 && (
          <Alert color="red" variant="light" data-testid="form-has-errors">
            {t('form.fixErrors')}
          </Alert>
        )}

        <Card>
          <Text fw={600} mb="sm">
            {t('form.basics')}
          </Text>
          <Grid>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <TextInput label={t('form.name')} description={t('form.nameHint')} withAsterisk {...pathProps('name')} data-testid="field-name" />
            </Grid.Col>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <TagsInput label={t('form.tags')} description={t('form.tagsHint')} {...pathProps('tags')} />
            </Grid.Col>
            <Grid.Col span={12}>
              <Textarea label={t('form.description')} autosize minRows={2} {...pathProps('description')} />
            </Grid.Col>
          </Grid>
        </Card>

        <Card>
          <Text fw={600} mb="sm">
            {t('form.schedule')}
          </Text>
          <Grid>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <Stack>
                <TextInput label={t('form.cron')} description={t('form.cronHint')} styles={mono} {...pathProps('cron_expression')} error={form.errors.cron_expression ?? cronProblem} data-testid="field-cron" />
                <Stack gap={4}>
                  <Text size="sm" fw={500}>
                    {t('form.cronDialect')}
                  </Text>
                  <SegmentedControl data={cronDialects.map((value) => ({ value, label: t(`cronDialect.${value}`) }))} {...form.getInputProps('cron_dialect')} data-testid="field-cron-dialect" />
                  <Text size="xs" c="dimmed" data-testid="cron-numbering">
                    {t(`cronDialect.${form.values.cron_dialect}Numbering`)}
                  </Text>
                </Stack>
                <Select
                  label={t('form.timezone')}
                  data={zones}
                  searchable
                  {...pathProps('timezone')}
                  error={form.errors.timezone ?? timezoneProblem}
                  allowDeselect={false}
                  data-testid="field-timezone"
                  description={
                    form.values.timezone === browserZone ? undefined : (
                      <Anchor component="button" type="button" size="xs" onClick={() => form.setFieldValue('timezone', browserZone)} data-testid="use-browser-zone">
                        {t('form.useBrowserZone', { zone: browserZone })}
                      </Anchor>
                    )
                  }
                />
                <SegmentedControl
                  data={[
                    { value: 'active', label: t('status.active') },
                    { value: 'paused', label: t('status.paused') },
                  ]}
                  {...form.getInputProps('status')}
                />
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <CronHelper expression={form.values.cron_expression} timezone={form.values.timezone} dialect={form.values.cron_dialect} />
            </Grid.Col>
          </Grid>
        </Card>

        <Card>
          <Text fw={600} mb="sm">
            {t('form.whatToRun')}
          </Text>
          <Stack>
            <SegmentedControl data={taskTypes.map((value) => ({ value, label: t(`taskType.${value}`) }))} {...form.getInputProps('type')} data-testid="field-type" style={{ overflowX: 'auto' }} />
            {type === 'command' && (
              <Grid>
                <Grid.Col span={{ base: 12, sm: 8 }}>
                  <TextInput label={t('form.command')} description={t('form.commandHint')} withAsterisk styles={mono} {...pathProps('command')} data-testid="field-command" />
                </Grid.Col>
                <Grid.Col span={{ base: 12, sm: 4 }}>
                  <Switch mt={{ base: 0, sm: 34 }} label={t('form.shell')} data-testid="field-shell" {...form.getInputProps('shell', { type: 'checkbox' })} />
                </Grid.Col>
                <Grid.Col span={{ base: 12, sm: 6 }}>
                  <Textarea label={t('form.args')} description={t('form.argsHint')} autosize minRows={2} styles={mono} {...pathProps('args')} />
                </Grid.Col>
                <Grid.Col span={{ base: 12, sm: 6 }}>
                  <TextInput label={t('form.cwd')} styles={mono} {...pathProps('cwd')} />
                </Grid.Col>
              </Grid>
            )}
            {type === 'script' && (
              <Grid>
                <Grid.Col span={{ base: 12, sm: 4 }}>
                  <TextInput label={t('form.interpreter')} styles={mono} {...pathProps('script.interpreter')} />
                </Grid.Col>
                <Grid.Col span={12}>
                  <Textarea label={t('form.scriptBody')} withAsterisk autosize minRows={6} styles={mono} {...pathProps('script.body')} />
                </Grid.Col>
              </Grid>
            )}
            {type === 'http' && (
              <Grid>
                <Grid.Col span={{ base: 4, sm: 2 }}>
                  <Select label={t('form.method')} data={['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']} allowDeselect={false} {...pathProps('http.method')} />
                </Grid.Col>
                <Grid.Col span={{ base: 8, sm: 7 }}>
                  <TextInput label={t('form.url')} withAsterisk placeholder="https://…" {...pathProps('http.url')} />
                </Grid.Col>
                <Grid.Col span={{ base: 12, sm: 3 }}>
                  <TextInput label={t('form.expectStatus')} placeholder="200, 204" {...pathProps('http.expect_status')} />
                </Grid.Col>
                <Grid.Col span={{ base: 12, md: 6 }}>
                  <KeyValueEditor label={t('form.headers')} value={form.values.http.headers} onChange={(rows) => form.setFieldValue('http.headers', rows)} error={form.errors['http.headers'] as string | undefined} />
                </Grid.Col>
                <Grid.Col span={{ base: 12, md: 6 }}>
                  <Textarea label={t('form.requestBody')} autosize minRows={3} styles={mono} {...pathProps('http.body')} />
                </Grid.Col>
              </Grid>
            )}
            {type === 'docker' && (
              <Grid>
                <Grid.Col span={{ base: 12, sm: 6 }}>
                  <TextInput label={t('form.image')} withAsterisk placeholder="alpine:3" {...pathProps('docker.image')} />
                </Grid.Col>
                <Grid.Col span={{ base: 12, sm: 6 }}>
                  <TextInput label={t('form.command')} styles={mono} {...pathProps('docker.command')} />
                </Grid.Col>
              </Grid>
            )}
            {type === 'handler' && <TextInput label={t('form.handler')} description={t('form.handlerHint')} {...pathProps('handler')} />}
            {type !== 'http' && type !== 'handler' && (
              <KeyValueEditor label={t('form.env')} value={form.values.env} onChange={(rows) => form.setFieldValue('env', rows)} error={form.errors.env as string | undefined} keyPlaceholder="NAME" />
            )}
            <JsonInput label={t('form.parameters')} description={t('form.parametersHint')} autosize minRows={3} maxRows={12} formatOnBlur {...pathProps('parameters')} />
          </Stack>
        </Card>

        <Card>
          <Text fw={600} mb="sm">
            {t('form.routing')}
          </Text>
          <Grid>
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <Select
                label={t('form.executionMode')}
                description={t('form.executionModeHint')}
                data={executionModes.map((value) => ({ value, label: t(`executionMode.${value}`) }))}
                allowDeselect={false}
                data-testid="execution-mode"
                {...pathProps('execution_mode')}
              />
            </Grid.Col>
            {form.values.execution_mode === 'queue' && (
              <Grid.Col span={{ base: 12, sm: 6 }}>
                <NumberInput label={t('form.maxQueued')} description={t('form.maxQueuedHint')} min={1} placeholder={t('form.defaultValue', { value: taskDefaults.maxQueued })} {...pathProps('max_queued')} />
              </Grid.Col>
            )}
            <Grid.Col span={{ base: 12, sm: 6 }}>
              <Select label={t('form.loadBalance')} data={loadBalanceStrategies.map((value) => ({ value, label: t(`strategy.${value}`) }))} allowDeselect={false} {...pathProps('load_balance_strategy')} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <KeyValueEditor
                label={t('form.executorLabels')}
                description={t('form.executorLabelsHint')}
                allowSecrets={false}
                value={form.values.executor_labels}
                onChange={(rows) => form.setFieldValue('executor_labels', rows)}
                error={form.errors.executor_labels as string | undefined}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <ExecutorPicker value={form.values.executors} onChange={(rows) => form.setFieldValue('executors', rows)} executors={executors.data?.items ?? []} error={form.errors.executors as string | undefined} />
            </Grid.Col>
          </Grid>
        </Card>

        <Card>
          <Text fw={600} mb="sm">
            {t('form.reliability')}
          </Text>
          <Grid>
            <Grid.Col span={{ base: 6, sm: 4 }}>
              <NumberInput label={t('form.timeout')} min={1} {...pathProps('timeout_seconds')} />
            </Grid.Col>
            <Grid.Col span={{ base: 6, sm: 4 }}>
              <NumberInput label={t('form.maxRetry')} min={0} {...pathProps('max_retry')} />
            </Grid.Col>
            <Grid.Col span={{ base: 6, sm: 4 }}>
              <NumberInput label={t('form.backoff')} min={0} placeholder={t('form.defaultValue', { value: taskDefaults.retryBackoffSeconds })} {...pathProps('retry_backoff_seconds')} />
            </Grid.Col>
            <Grid.Col span={{ base: 6, sm: 4 }}>
              <NumberInput label={t('form.backoffMax')} min={0} placeholder={t('form.defaultValue', { value: taskDefaults.retryBackoffMaxSeconds })} {...pathProps('retry_backoff_max_seconds')} />
            </Grid.Col>
            <Grid.Col span={{ base: 6, sm: 4 }}>
              <Select label={t('form.misfire')} data={misfirePolicies.map((value) => ({ value, label: t(`misfire.${value}`) }))} allowDeselect={false} {...pathProps('misfire_policy')} />
            </Grid.Col>
            <Grid.Col span={{ base: 6, sm: 4 }}>
              <NumberInput label={t('form.misfireGrace')} min={0} placeholder={t('form.defaultValue', { value: taskDefaults.misfireGraceSeconds })} {...pathProps('misfire_grace_seconds')} />
            </Grid.Col>
            <Grid.Col span={{ base: 6, sm: 4 }}>
              <NumberInput
                label={t('form.dispatchTimeout')}
                description={t('form.dispatchTimeoutHint')}
                min={1}
                placeholder={t('form.defaultValue', { value: taskDefaults.dispatchTimeoutSeconds })}
                {...pathProps('dispatch_timeout_seconds')}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 6, sm: 4 }}>
              <NumberInput label={t('form.historyLimit')} description={t('form.historyLimitHint')} min={1} placeholder={t('form.noLimit')} {...pathProps('history_limit')} />
            </Grid.Col>
          </Grid>
        </Card>
        <Group justify="flex-end">
          <Button variant="default" component={Link} to={editing ? `/tasks/${id}` : '/tasks'}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" leftSection={<IconDeviceFloppy size={16} />} loading={save.isPending}>
            {editing ? t('common.save') : t('form.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
