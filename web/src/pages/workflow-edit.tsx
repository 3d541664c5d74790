// A workflow's form (issue 19): name, schedule (cron, zone, dialect, missed fires), what a
// failure does, and its steps, each a task with the steps it waits for and on what
// outcome. The DAG beside the steps is drawn from the form as it is typed. The server
// checks the graph (cycles, unknown steps or tasks) and its message names the problem.
import { ActionIcon, Alert, Anchor, Button, Card, Grid, Group, SegmentedControl, Select, Stack, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconDeviceFloppy, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, get, post, put } from '../api/client.ts';
import { cronDialects, misfirePolicies, type Page, type Task } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ErrorAlert, Loading, notifySuccess } from '../components/feedback.tsx';
import { dependencyConditions, workflowFailurePolicies, workflowKeys, type Workflow, type WorkflowBody } from '../components/workflow-actions.tsx';
import { WorkflowDag } from '../components/workflow-dag.tsx';
import { browserTimeZone } from '../time-zone.ts';

interface DependencyValues {
  key: number;
  step: string;
  on: (typeof dependencyConditions)[number];
}
interface StepValues {
  key: number;
  name: string;
  task_id: string | null;
  depends_on: DependencyValues[];
}
interface WorkflowValues {
  name: string;
  cron_expression: string;
  timezone: string;
  cron_dialect: (typeof cronDialects)[number];
  misfire_policy: (typeof misfirePolicies)[number];
  on_failure: (typeof workflowFailurePolicies)[number];
  steps: StepValues[];
}

let nextKey = 1;
const key = () => nextKey++;
const blankStep = (name = ''): StepValues => ({ key: key(), name, task_id: null, depends_on: [] });

function valuesOf(workflow: Workflow): WorkflowValues {
  return {
    name: workflow.name,
    cron_expression: workflow.cron_expression ?? '',
    timezone: workflow.timezone,
    cron_dialect: workflow.cron_dialect,
    misfire_policy: workflow.misfire_policy,
    on_failure: workflow.on_failure,
    steps: workflow.steps.map((step) => ({ key: key(), name: step.name, task_id: step.task_id, depends_on: step.depends_on.map((dependency) => ({ key: key(), step: dependency.step, on: dependency.on })) })),
  };
}

function bodyOf(values: WorkflowValues): WorkflowBody {
  return {
    name: values.name.trim(),
    cron_expression: values.cron_expression.trim() || null,
    timezone: values.timezone || 'UTC',
    cron_dialect: values.cron_dialect,
    misfire_policy: values.misfire_policy,
    on_failure: values.on_failure,
    steps: values.steps.map((step) => ({
      name: step.name.trim(),
      task_id: step.task_id ?? '',
      depends_on: step.depends_on.filter((dependency) => dependency.step).map((dependency) => ({ step: dependency.step, on: dependency.on })),
    })),
  };
}

function timeZones(): string[] {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')];
  } catch {
    return ['UTC'];
  }
}

const mono = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };

/** A cycle among the steps ("a → b → a"), or null: shown at once; the server refuses it too. */
function findCycle(steps: readonly { name: string; depends_on: readonly { step: string }[] }[]): string | null {
  const byName = new Map(steps.map((step) => [step.name, step]));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string | null => {
    if (state.get(name) === 'done') return null;
    if (state.get(name) === 'open') return [...path.slice(path.indexOf(name)), name].join(' → ');
    state.set(name, 'open');
    path.push(name);
    for (const dependency of byName.get(name)?.depends_on ?? []) {
      if (!byName.has(dependency.step)) continue;
      const found = visit(dependency.step);
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return null;
  };
  for (const step of steps) {
    const found = visit(step.name);
    if (found) return found;
  }
  return null;
}
const stepNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

export default function WorkflowEditPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const { id } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const editing = id !== undefined;
  const zones = useMemo(timeZones, []);
  const browserZone = useMemo(browserTimeZone, []);
  const [formError, setFormError] = useState<unknown>(null);
  const existing = useQuery({ queryKey: workflowKeys.one(id ?? ''), queryFn: () => get<Workflow>(`/workflows/${id}`), enabled: editing });
  const tasks = useQuery({ queryKey: ['tasks', 'workflow-picker'], queryFn: () => get<Page<Task>>('/tasks', { page_size: 1000, sort: 'name' }) });
  const taskOptions = useMemo(() => (tasks.data?.items ?? []).map((task) => ({ value: task.id, label: task.name })), [tasks.data]);

  const form = useForm<WorkflowValues>({
    initialValues: { name: '', cron_expression: '', timezone: 'UTC', cron_dialect: 'standard', misfire_policy: 'skip', on_failure: 'stop', steps: [blankStep('step-1')] },
    validate: {
      name: (value) => (value.trim() ? null : t('form.required')),
      steps: {
        name: (value, values) => {
          if (!stepNamePattern.test(value.trim())) return t('workflows.stepNamePattern');
          return values.steps.filter((step) => step.name.trim() === value.trim()).length > 1 ? t('workflows.stepNameTwice') : null;
        },
        task_id: (value) => (value ? null : t('form.required')),
      },
    },
  });
  const filled = useRef(false);
  useEffect(() => {
    if (existing.data && !filled.current) {
      filled.current = true;
      form.setValues(valuesOf(existing.data));
      form.resetDirty(valuesOf(existing.data));
    }
  }, [existing.data, form]);

  const save = useMutation({
    mutationFn: (body: WorkflowBody) => (editing ? put<Workflow>(`/workflows/${id}`, body) : post<Workflow>('/workflows', body)),
    onSuccess: (workflow) => {
      notifySuccess(t(editing ? 'workflows.saved' : 'workflows.created', { name: workflow.name }));
      void queryClient.invalidateQueries({ queryKey: ['workflows'] });
      void navigate(`/workflows/${workflow.id}`);
    },
    onError: (error) => {
      setFormError(error);
      if (error instanceof ApiError && error.field && ['name', 'cron_expression', 'timezone'].includes(error.field)) form.setFieldError(error.field, error.message);
      window.scrollTo({ top: 0, behavior: 'smooth' });
    },
  });

  if (!can('operator'))
    return (
      <Alert color="yellow" data-testid="workflow-read-only">
        {t('workflows.readOnly')}
      </Alert>
    );
  if (editing && existing.isLoading) return <Loading />;
  if (editing && !existing.data) return <ErrorAlert error={existing.error} />;

  const values = form.values;
  const taskName = (taskId: string | null) => taskOptions.find((option) => option.value === taskId)?.label ?? null;
  const dagSteps = values.steps
    .filter((step) => step.name.trim())
    .map((step) => ({
      name: step.name.trim(),
      task_id: step.task_id ?? '',
      task_name: taskName(step.task_id) ?? '—',
      depends_on: step.depends_on.filter((dependency) => dependency.step).map((dependency) => ({ step: dependency.step, on: dependency.on })),
    }));
  const cycle = findCycle(dagSteps);
  const submit = form.onSubmit((submitted) => {
    setFormError(null);
    save.mutate(bodyOf(submitted));
  });

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <div>
          <Anchor component={Link} to={editing ? `/workflows/${id}` : '/workflows'} size="sm">
            ← {editing ? existing.data?.name : t('workflows.title')}
          </Anchor>
          <Title order={2}>{editing ? t('workflows.editTitle') : t('workflows.newTitle')}</Title>
        </div>
        <ErrorAlert error={formError} />
        <Card>
          <Text fw={600} mb="sm">
            {t('form.basics')}
          </Text>
          <Grid>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <Stack>
                <TextInput label={t('workflows.name')} required {...form.getInputProps('name')} data-testid="workflow-name" />
                <TextInput label={t('form.cron')} description={t('workflows.cronHint')} styles={mono} {...form.getInputProps('cron_expression')} data-testid="workflow-cron" />
                <Select
                  label={t('form.timezone')}
                  data={zones}
                  searchable
                  allowDeselect={false}
                  {...form.getInputProps('timezone')}
                  data-testid="workflow-timezone"
                  description={
                    values.timezone === browserZone ? undefined : (
                      <Anchor component="button" type="button" size="xs" onClick={() => form.setFieldValue('timezone', browserZone)}>
                        {t('form.useBrowserZone', { zone: browserZone })}
                      </Anchor>
                    )
                  }
                />
              </Stack>
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 6 }}>
              <Stack>
                <Stack gap={4}>
                  <Text size="sm" fw={500}>
                    {t('form.cronDialect')}
                  </Text>
                  <SegmentedControl data={cronDialects.map((value) => ({ value, label: t(`cronDialect.${value}`) }))} {...form.getInputProps('cron_dialect')} />
                </Stack>
                <Select
                  label={t('form.misfire')}
                  data={misfirePolicies.map((value) => ({ value, label: t(`misfire.${value}`) }))}
                  allowDeselect={false}
                  {...form.getInputProps('misfire_policy')}
                  data-testid="workflow-misfire"
                />
                <Stack gap={4}>
                  <Text size="sm" fw={500}>
                    {t('workflows.onFailure')}
                  </Text>
                  <SegmentedControl data={workflowFailurePolicies.map((value) => ({ value, label: t(`workflows.failurePolicy.${value}`) }))} {...form.getInputProps('on_failure')} data-testid="workflow-on-failure" />
                  <Text size="xs" c="dimmed">
                    {t(`workflows.failurePolicyHint.${values.on_failure}`)}
                  </Text>
                </Stack>
              </Stack>
            </Grid.Col>
          </Grid>
        </Card>

        <Grid>
          <Grid.Col span={{ base: 12, lg: 7 }}>
            <Card>
              <Group justify="space-between" mb="sm">
                <Text fw={600}>{t('workflows.steps')}</Text>
                <Button variant="light" size="xs" leftSection={<IconPlus size={14} />} onClick={() => form.insertListItem('steps', blankStep(`step-${values.steps.length + 1}`))} data-testid="add-step">
                  {t('workflows.addStep')}
                </Button>
              </Group>
              <Stack gap="sm">
                {values.steps.map((step, index) => {
                  const others = values.steps.filter((other) => other.key !== step.key && other.name.trim()).map((other) => other.name.trim());
                  return (
                    <Card key={step.key} withBorder p="sm" data-testid="step-editor" data-index={index}>
                      <Group align="flex-start" gap="sm" wrap="wrap">
                        <TextInput label={t('workflows.stepName')} styles={mono} style={{ flex: '1 1 160px' }} {...form.getInputProps(`steps.${index}.name`)} data-testid="step-name" />
                        <Select
                          label={t('workflows.task')}
                          placeholder={t('workflows.pickTask')}
                          data={taskOptions}
                          searchable
                          nothingFoundMessage={t('workflows.noTask')}
                          style={{ flex: '2 1 200px' }}
                          {...form.getInputProps(`steps.${index}.task_id`)}
                          data-testid="step-task"
                        />
                        <Tooltip label={t('workflows.removeStep')}>
                          <ActionIcon
                            variant="subtle"
                            color="red"
                            mt={26}
                            aria-label={t('workflows.removeStep')}
                            onClick={() => form.removeListItem('steps', index)}
                            disabled={values.steps.length === 1}
                            data-testid="remove-step"
                          >
                            <IconTrash size={16} />
                          </ActionIcon>
                        </Tooltip>
                      </Group>
                      <Stack gap={6} mt="xs">
                        {step.depends_on.map((dependency, dependencyIndex) => (
                          <Group key={dependency.key} gap="xs" wrap="wrap" data-testid="dependency">
                            <Text size="sm" c="dimmed" style={{ flex: 'none' }}>
                              {t('workflows.after')}
                            </Text>
                            <Select
                              aria-label={t('workflows.dependsOnStep')}
                              data={[...new Set([...others, ...(dependency.step ? [dependency.step] : [])])]}
                              allowDeselect={false}
                              style={{ flex: '1 1 120px', minWidth: 0 }}
                              size="xs"
                              {...form.getInputProps(`steps.${index}.depends_on.${dependencyIndex}.step`)}
                              data-testid="dependency-step"
                            />
                            <Select
                              aria-label={t('workflows.dependsOnCondition')}
                              data={dependencyConditions.map((value) => ({ value, label: t(`workflows.onOption.${value}`) }))}
                              allowDeselect={false}
                              style={{ flex: '1 1 150px', minWidth: 0 }}
                              size="xs"
                              {...form.getInputProps(`steps.${index}.depends_on.${dependencyIndex}.on`)}
                              data-testid="dependency-on"
                            />
                            <ActionIcon
                              variant="subtle"
                              color="gray"
                              aria-label={t('workflows.removeDependency')}
                              onClick={() => form.removeListItem(`steps.${index}.depends_on`, dependencyIndex)}
                              data-testid="remove-dependency"
                            >
                              <IconTrash size={14} />
                            </ActionIcon>
                          </Group>
                        ))}
                        <div>
                          <Button
                            variant="subtle"
                            size="compact-xs"
                            leftSection={<IconPlus size={12} />}
                            disabled={others.length === 0}
                            onClick={() =>
                              form.insertListItem(`steps.${index}.depends_on`, {
                                key: key(),
                                step: others.find((name) => !step.depends_on.some((dependency) => dependency.step === name)) ?? others[0] ?? '',
                                on: 'success',
                              })
                            }
                            data-testid="add-dependency"
                          >
                            {t('workflows.addDependency')}
                          </Button>
                        </div>
                      </Stack>
                    </Card>
                  );
                })}
              </Stack>
            </Card>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <Card>
              <Text fw={600} mb="sm">
                {t('workflows.graph')}
              </Text>
              {cycle && (
                <Alert color="red" p="xs" mb="sm" data-testid="workflow-cycle">
                  {t('workflows.cycle', { cycle })}
                </Alert>
              )}
              {dagSteps.length > 0 ? <WorkflowDag steps={dagSteps} /> : <Text c="dimmed">{t('workflows.noSteps')}</Text>}
            </Card>
          </Grid.Col>
        </Grid>
        <Group justify="flex-end">
          <Button variant="default" component={Link} to={editing ? `/workflows/${id}` : '/workflows'}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" leftSection={<IconDeviceFloppy size={16} />} loading={save.isPending} data-testid="workflow-save">
            {editing ? t('common.save') : t('workflows.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
