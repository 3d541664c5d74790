// One task: its definition, statistics per window with a daily trend and health score,
// the next fires, its recent executions and its version history. A deleted task is shown
// read-only, with Restore.
import { Alert, Anchor, Badge, Button, Card, Code, Grid, Group, RingProgress, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconArrowBackUp, IconCopy, IconHistory, IconPencil, IconPlayerPause, IconPlayerPlay, IconRocket, IconTrash } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { get } from '../api/client.ts';
import type { Execution, Page, Task, TaskStats } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { StatusTrendChart } from '../components/charts.tsx';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { ExecutionTable } from '../components/execution-table.tsx';
import { formatDuration, formatPercent, Json, StatusBadge, TaskTime, useFormatters } from '../components/format.tsx';
import { ScheduleSummary } from '../components/schedule-summary.tsx';
import { isSecretPlaceholder } from '../components/secret-values.ts';
import { useTaskActions } from '../components/task-actions.tsx';
import { TaskStopButton } from '../components/task-stop-button.tsx';
import { TaskHealthChart } from '../components/task-health-chart.tsx';
import { TaskHistory } from '../components/task-history.tsx';
import { taskPageQueries } from '../first-queries.ts';
import { useRefetchInterval } from '../live.tsx';

// Loaded when opened: most visits to a task page never backfill.
const BackfillModal = lazy(() => import('../components/backfill-modal.tsx').then((module) => ({ default: module.BackfillModal })));
const TaskWorkflowsCard = lazy(() => import('../components/task-workflows-card.tsx'));
const TaskAlertsCard = lazy(() => import('./settings-alerts-cards.tsx').then((module) => ({ default: module.TaskAlertsCard })));

type Window = '24h' | '7d' | '90d';

function healthColor(score: number | null | undefined): string {
  if (score === null || score === undefined) return 'gray';
  return score >= 90 ? 'teal' : score >= 70 ? 'yellow' : score >= 40 ? 'orange' : 'red';
}

function Stat({ label, value }: { label: string; value: string | number }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz="xl" fw={700} className="stat-value">
        {value}
      </Text>
    </div>
  );
}

/** What the task runs, in one line, with secrets masked. */
function runSummary(task: Task): string {
  const mask = (map: Record<string, unknown> | undefined) =>
    Object.entries(map ?? {})
      .map(([key, value]) => `${key}=${isSecretPlaceholder(value) ? '••••••' : String(value)}`)
      .join(' ');
  switch (task.type) {
    case 'command':
      return [mask(task.env), task.command, ...(task.args ?? [])].filter(Boolean).join(' ');
    case 'script':
      return `${task.script?.interpreter ?? 'sh'} <<'EOF'\n${task.script?.body ?? ''}\nEOF`;
    case 'http':
      return `${task.http?.method ?? 'GET'} ${task.http?.url ?? ''}${task.http?.headers && Object.keys(task.http.headers).length ? `\n${mask(task.http.headers)}` : ''}`;
    case 'docker':
      return `docker run ${task.docker?.image ?? ''} ${Array.isArray(task.docker?.command) ? task.docker.command.join(' ') : (task.docker?.command ?? '')}`;
    case 'handler':
      return `handler: ${task.handler ?? task.name}`;
  }
}

export default function TaskDetailPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const format = useFormatters();
  const [window, setWindow] = useState<Window>('7d');
  const [backfilling, setBackfilling] = useState(false);
  const refetchInterval = useRefetchInterval(5000);
  const actions = useTaskActions();
  // A deleted task is read too (include_deleted): its page shows it read-only, and asks
  // nothing that only a live task answers (statistics, next fires), so no 404 repeats.
  const taskQuery = taskPageQueries.task(id);
  const executionsQuery = taskPageQueries.executions(id);
  const task = useQuery({ queryKey: taskQuery.queryKey, queryFn: () => get<Task>(taskQuery.path, taskQuery.query), refetchInterval });
  const live = task.data !== undefined && task.data.status !== 'deleted';
  const stats = useQuery({ queryKey: ['task-stats', id, window], queryFn: () => get<TaskStats>(`/tasks/${id}/stats`, { window }), refetchInterval, enabled: live });
  const fires = useQuery({
    queryKey: ['task', id, 'next-fires'],
    queryFn: () => get<{ fires: string[]; timezone: string }>(`/tasks/${id}/next-fires`, { count: 5 }),
    enabled: live && Boolean(task.data?.cron_expression),
  });
  const executions = useQuery({ queryKey: executionsQuery.queryKey, queryFn: () => get<Page<Execution>>(executionsQuery.path, executionsQuery.query), refetchInterval });

  if (task.isLoading) return <Loading />;
  if (!task.data) return <ErrorAlert error={task.error} />;
  const data = task.data;
  const s = stats.data;

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Anchor component={Link} to="/tasks" size="sm">
            ← {t('nav.tasks')}
          </Anchor>
          <Group gap="sm" wrap="wrap">
            <Title order={2} data-testid="task-title" style={{ overflowWrap: 'anywhere' }}>
              {data.name}
            </Title>
            <Group gap="xs" wrap="nowrap" style={{ flex: 'none' }}>
              <StatusBadge status={data.status} size="md" />
              <Badge variant="default">{t(`taskType.${data.type}`)}</Badge>
            </Group>
          </Group>
          {data.description && <Text c="dimmed">{data.description}</Text>}
          {(data.tags ?? []).length > 0 && (
            <Group gap={4} mt={4} data-testid="task-tags" aria-label={t('taskHistory.tags')}>
              {data.tags?.map((tag) => (
                <Badge key={tag} size="sm" variant="outline" color="gray" component={Link} to={`/tasks?tag=${encodeURIComponent(tag)}`} style={{ cursor: 'pointer' }}>
                  {tag}
                </Badge>
              ))}
            </Group>
          )}
        </div>
        {can('operator') && data.status === 'deleted' && (
          <Button color="teal" leftSection={<IconArrowBackUp size={16} />} onClick={() => actions.restore(data)} data-testid="task-restore">
            {t('taskRestore.restore')}
          </Button>
        )}
        {can('operator') && data.status !== 'deleted' && (
          <Group gap="xs">
            <Button variant="light" leftSection={<IconRocket size={16} />} onClick={() => actions.openTrigger(data)} data-testid="task-trigger">
              {t('tasks.trigger')}
            </Button>
            {data.status === 'active' ? (
              <Button variant="light" color="yellow" leftSection={<IconPlayerPause size={16} />} onClick={() => actions.pause(data)} loading={actions.busy} data-testid="task-pause">
                {t('tasks.pause')}
              </Button>
            ) : (
              <Button variant="light" color="teal" leftSection={<IconPlayerPlay size={16} />} onClick={() => actions.resume(data)} loading={actions.busy} data-testid="task-resume">
                {t('tasks.resume')}
              </Button>
            )}
            <TaskStopButton taskId={data.id} />
            {data.cron_expression && (
              <Button variant="light" color="grape" leftSection={<IconHistory size={16} />} onClick={() => setBackfilling(true)} data-testid="task-backfill">
                {t('backfill.action')}
              </Button>
            )}
            <Button variant="default" component={Link} to={`/tasks/${data.id}/edit`} leftSection={<IconPencil size={16} />}>
              {t('common.edit')}
            </Button>
            <Button variant="default" leftSection={<IconCopy size={16} />} onClick={() => actions.clone(data)} data-testid="task-clone">
              {t('taskList.clone')}
            </Button>
            <Button variant="subtle" color="red" leftSection={<IconTrash size={16} />} onClick={() => actions.remove(data, () => void navigate('/tasks'))} data-testid="task-delete">
              {t('common.delete')}
            </Button>
          </Group>
        )}
      </Group>

      {data.status === 'deleted' && (
        <Alert color="gray" icon={<IconTrash size={18} />} data-testid="deleted-banner">
          {t('taskRestore.deletedBanner')}
        </Alert>
      )}

      {data.status !== 'deleted' && (data.warnings ?? []).length > 0 && (
        <Alert color="yellow" icon={<IconAlertTriangle size={18} />} title={t('taskDetail.warningsTitle')} data-testid="task-warnings">
          {(data.warnings ?? []).map((warning) => (
            <Text size="sm" key={warning}>
              {warning}
            </Text>
          ))}
        </Alert>
      )}

      {live && (
        <>
          <Card>
            <Group justify="space-between" mb="md">
              <Text fw={600}>{t('taskDetail.statistics')}</Text>
              <SegmentedControl size="xs" value={window} onChange={setWindow} data={(['24h', '7d', '90d'] as const).map((value) => ({ value, label: t(`window.${value}`) }))} />
            </Group>
            <ErrorAlert error={stats.error} />
            <Grid align="center">
              <Grid.Col span={{ base: 12, sm: 3 }}>
                <Group justify="center">
                  <RingProgress
                    size={132}
                    thickness={12}
                    roundCaps
                    sections={[{ value: s?.health_score ?? 0, color: healthColor(s?.health_score) }]}
                    label={
                      <Stack gap={0} align="center">
                        <Text fw={700} fz={26} data-testid="health-score">
                          {s?.health_score ?? '—'}
                        </Text>
                        <Text size="xs" c="dimmed">
                          {t('taskDetail.health')}
                        </Text>
                      </Stack>
                    }
                  />
                </Group>
              </Grid.Col>
              <Grid.Col span={{ base: 12, sm: 9 }}>
                <SimpleGrid cols={{ base: 2, sm: 5 }}>
                  <Stat label={t('taskDetail.runs')} value={s?.total ?? '—'} />
                  <Stat label={t('dashboard.successRate')} value={formatPercent(s?.success_rate)} />
                  <Stat label={t('taskDetail.avgDuration')} value={formatDuration(s?.avg_duration_ms)} />
                  <Stat label={t('taskDetail.p95Duration')} value={formatDuration(s?.p95_duration_ms)} />
                  <Stat label={t('taskDetail.timeouts')} value={s?.timeouts ?? '—'} />
                </SimpleGrid>
              </Grid.Col>
            </Grid>
            {s && <StatusTrendChart data={s.trend} bucket={s.bucket} height={200} />}
          </Card>

          <TaskHealthChart taskId={data.id} />
        </>
      )}

      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Card h="100%">
            <Text fw={600} mb="sm">
              {t('taskDetail.definition')}
            </Text>
            <Table variant="vertical" layout="fixed" withRowBorders={false} verticalSpacing={4}>
              <Table.Tbody>
                <Table.Tr>
                  <Table.Th w={150}>{t('form.schedule')}</Table.Th>
                  <Table.Td>
                    <ScheduleSummary expression={data.cron_expression} timezone={data.timezone} />
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>{t('form.whatToRun')}</Table.Th>
                  <Table.Td>
                    <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                      {runSummary(data)}
                    </Code>
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>{t('form.routing')}</Table.Th>
                  <Table.Td>
                    <Text size="sm">
                      {t(`executionMode.${data.execution_mode}`, { defaultValue: data.execution_mode })}
                      {data.execution_mode === 'queue' && ` (${t('taskDetail.maxQueuedLine', { count: data.max_queued ?? 1 })})`} ·{' '}
                      {t(`strategy.${data.load_balance_strategy}`, { defaultValue: data.load_balance_strategy })}
                    </Text>
                    <Group gap={4}>
                      {Object.entries(data.executor_labels ?? {}).map(([key, value]) => (
                        <Badge key={key} size="xs" variant="outline">
                          {key}={value}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                </Table.Tr>
                <Table.Tr>
                  <Table.Th>{t('form.reliability')}</Table.Th>
                  <Table.Td>
                    <Text size="sm">
                      {t('taskDetail.reliabilityLine', { timeout: data.timeout_seconds, retries: data.max_retry, misfire: t(`misfire.${data.misfire_policy}`, { defaultValue: data.misfire_policy }) })} ·{' '}
                      {t('taskDetail.dispatchTimeoutLine', { seconds: data.dispatch_timeout_seconds ?? 300 })}
                    </Text>
                  </Table.Td>
                </Table.Tr>
                {data.parameters && Object.keys(data.parameters).length > 0 && (
                  <Table.Tr>
                    <Table.Th>{t('form.parameters')}</Table.Th>
                    <Table.Td>
                      <Json value={data.parameters} />
                    </Table.Td>
                  </Table.Tr>
                )}
                <Table.Tr>
                  <Table.Th>{t('taskDetail.version')}</Table.Th>
                  <Table.Td>
                    <Text size="sm">
                      v{data.version} · {format.dateTime(data.updated_at)}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              </Table.Tbody>
            </Table>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Card h="100%">
            <Text fw={600} mb="sm">
              {t('taskDetail.nextFires')}{' '}
              <Text span size="sm" c="dimmed" fw={400}>
                ({data.timezone})
              </Text>
            </Text>
            {data.status !== 'active' || !data.cron_expression ? (
              <Text size="sm" c="dimmed">
                {data.status === 'paused' ? t('taskDetail.pausedNoFires') : t('tasks.manualOnly')}
              </Text>
            ) : (
              <Stack gap={4}>
                {(fires.data?.fires ?? []).map((fire) => (
                  <Text key={fire} size="sm" ff="monospace">
                    <TaskTime value={fire} timeZone={data.timezone} />
                  </Text>
                ))}
              </Stack>
            )}
          </Card>
        </Grid.Col>
      </Grid>

      <Card p={0}>
        <Group justify="space-between" p="md" pb="xs">
          <Text fw={600}>{t('taskDetail.recentExecutions')}</Text>
          <Anchor component={Link} to={`/executions?task_id=${data.id}`} size="sm">
            {t('common.viewAll')}
          </Anchor>
        </Group>
        {executions.isLoading ? <Loading /> : <ExecutionTable items={executions.data?.items ?? []} showTask={false} />}
      </Card>
      <Suspense fallback={null}>
        <TaskAlertsCard taskId={data.id} tags={data.tags ?? []} />
        <TaskWorkflowsCard taskId={data.id} />
      </Suspense>
      <TaskHistory taskId={data.id} />
      {backfilling && (
        <Suspense fallback={null}>
          <BackfillModal target={{ kind: 'task', id: data.id, name: data.name, timezone: data.timezone }} onClose={() => setBackfilling(false)} />
        </Suspense>
      )}
      {actions.modals}
    </Stack>
  );
}
