// One execution: its status timeline, outcome, and the live log; stop (or kill now) while
// it runs; run it again with the same parameters. Numbering reads the same everywhere:
// "attempt 2 of 4" (execution-numbering.ts), "shard 2 of 3" (shard_index is 0-based on the wire).
import { Anchor, Button, Card, Grid, Group, SimpleGrid, Stack, Text, Timeline, Title } from '@mantine/core';
import { IconBolt, IconCircleCheck, IconCircleX, IconClockHour4, IconPlayerPlay, IconPlayerStop, IconRepeat, IconSend } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { get, post } from '../api/client.ts';
import type { Execution } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ErrorAlert, Loading, notifySuccess, useConfirm } from '../components/feedback.tsx';
import { Elapsed, formatDuration, Json, ShortId, StatusBadge, useFormatters } from '../components/format.tsx';
import { LiveLog } from '../components/live-log.tsx';
import { useExecutorNames } from '../components/execution-table.tsx';
import { attemptText, endedAsAsked, shardText } from '../components/execution-numbering.ts';

const terminal = new Set(['success', 'failed', 'timeout', 'skipped', 'cancelled']);

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

export default function ExecutionDetailPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  // A reason is a code the server names (overlap, no_executor, …) or, while pending, a sentence.
  const reasonText = (reason: string) => (/^[a-z_]+$/.test(reason) ? t(`reason.${reason}`, { defaultValue: reason }) : reason);
  const { can } = useAuth();
  const format = useFormatters();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { modal, confirm } = useConfirm();
  const executorNames = useExecutorNames();
  const execution = useQuery({
    queryKey: ['execution', id],
    queryFn: () => get<Execution>(`/executions/${id}`),
    refetchInterval: (query) => (query.state.data && terminal.has(query.state.data.status) ? false : 2000),
  });

  if (execution.isLoading) return <Loading />;
  if (!execution.data) return <ErrorAlert error={execution.error} />;
  const data = execution.data;
  const finished = terminal.has(data.status);
  const endColor = data.status === 'success' ? 'teal' : data.status === 'running' ? 'blue' : 'red';

  const steps = [
    { key: 'created', time: data.created_at, icon: <IconSend size={12} /> },
    ...(data.scheduled_time ? [{ key: 'scheduled', time: data.scheduled_time, icon: <IconClockHour4 size={12} /> }] : []),
    ...(data.start_time ? [{ key: 'started', time: data.start_time, icon: <IconPlayerPlay size={12} /> }] : []),
    ...(data.end_time ? [{ key: 'ended', time: data.end_time, icon: data.status === 'success' ? <IconCircleCheck size={12} /> : <IconCircleX size={12} /> }] : []),
  ];

  return (
    <Stack>
      <Group justify="space-between" align="flex-end" gap="sm">
        <div style={{ minWidth: 0 }}>
          <Anchor component={Link} to={`/tasks/${data.task_id}`} size="sm">
            ← {data.task_name ?? t('executions.task')}
          </Anchor>
          <Group gap="sm" wrap="wrap">
            <Title order={2}>{t('executionDetail.title')}</Title>
            <ShortId id={data.id} />
            {/* Never squeezed: the status reads whole on a phone too. */}
            <span data-testid="execution-status" style={{ flex: 'none', display: 'inline-flex' }}>
              <StatusBadge status={data.status} size="lg" />
            </span>
          </Group>
        </div>
        {can('operator') && finished && (
          <Button
            variant="light"
            leftSection={<IconRepeat size={16} />}
            data-testid="execution-rerun"
            onClick={() =>
              confirm(
                t('executionPage.rerunTitle'),
                t('executionPage.rerunBody', { task: data.task_name }),
                async () => {
                  const started = await post<Execution>(`/executions/${data.id}/rerun`);
                  notifySuccess(t('executionPage.rerunStarted'));
                  void queryClient.invalidateQueries({ queryKey: ['executions'] });
                  void navigate(`/executions/${started.id}`);
                },
                'blue',
                t('executionPage.rerun'),
              )
            }
          >
            {t('executionPage.rerun')}
          </Button>
        )}
        {can('operator') && !finished && (
          <Group gap="xs">
            <Button
              color="red"
              variant="light"
              leftSection={<IconPlayerStop size={16} />}
              data-testid="execution-stop"
              onClick={() =>
                confirm(t('executionDetail.stopTitle'), t('executionDetail.stopBody'), async () => {
                  await post(`/executions/${data.id}/stop`, { force: false });
                  notifySuccess(t('executionDetail.stopping'));
                  void queryClient.invalidateQueries({ queryKey: ['execution', data.id] });
                })
              }
            >
              {t('executionDetail.stop')}
            </Button>
            {/* Also after a stop: a process that ignores SIGTERM is killed without waiting out the grace. */}
            <Button
              color="red"
              leftSection={<IconBolt size={16} />}
              data-testid="execution-kill"
              onClick={() =>
                confirm(t('executionDetail.killTitle'), t('executionDetail.killBody'), async () => {
                  await post(`/executions/${data.id}/stop`, { force: true });
                  notifySuccess(t('executionDetail.killing'));
                  void queryClient.invalidateQueries({ queryKey: ['execution', data.id] });
                })
              }
            >
              {t('executionDetail.kill')}
            </Button>
          </Group>
        )}
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Card h="100%">
            <Text fw={600} mb="md">
              {t('executionDetail.timeline')}
            </Text>
            <Timeline active={steps.length - 1} bulletSize={22} lineWidth={2} color={finished ? endColor : 'blue'}>
              {steps.map((step) => (
                <Timeline.Item key={step.key} bullet={step.icon} title={t(`executionDetail.step.${step.key}`)}>
                  <Text size="xs" c="dimmed">
                    {format.dateTime(step.time)}
                  </Text>
                </Timeline.Item>
              ))}
              {!finished && (
                <Timeline.Item bullet={<IconClockHour4 size={12} />} title={t(`status.${data.status}`)} lineVariant="dashed">
                  <Text size="xs" c="dimmed">
                    {data.reason ? reasonText(data.reason) : t('executionDetail.inProgress')}
                  </Text>
                </Timeline.Item>
              )}
            </Timeline>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Card h="100%">
            <SimpleGrid cols={{ base: 2, sm: 3 }} spacing="md">
              <Field label={t('executions.trigger')}>{t(`trigger.${data.trigger}`, { defaultValue: data.trigger })}</Field>
              <Field label={t('executionDetail.attempt')}>
                <span data-testid="execution-attempt">{attemptText(t, data)}</span>
              </Field>
              <Field label={t('executionDetail.exitCode')}>
                <span data-testid="exit-code">{data.exit_code ?? '—'}</span>
              </Field>
              <Field label={t('executions.duration')}>
                <span data-testid="execution-duration">{data.status === 'running' && data.start_time ? <Elapsed since={data.start_time} /> : formatDuration(data.duration_ms)}</span>
              </Field>
              <Field label={t('executions.executor')}>
                {data.executor_id ? (
                  <Anchor component={Link} to="/executors" size="sm">
                    {executorNames.get(data.executor_id) ?? data.executor_id.slice(-8)}
                  </Anchor>
                ) : (
                  '—'
                )}
              </Field>
              {data.shard_total ? (
                <Field label={t('executionDetail.shard')}>
                  <span data-testid="execution-shard">{shardText(t, data)}</span>
                </Field>
              ) : null}
              {data.workflow_run_id && (
                <Field label={t('executionDetail.workflowRun')}>
                  <Anchor component={Link} to={`/workflows/runs/${data.workflow_run_id}`} size="sm" data-testid="execution-workflow-run">
                    {data.workflow_step ?? data.workflow_run_id.slice(-8)}
                  </Anchor>
                </Field>
              )}
              {data.retry_of && (
                <Field label={t('executionDetail.retryOf')}>
                  <Anchor component={Link} to={`/executions/${data.retry_of}`} size="sm">
                    {data.retry_of.slice(-8)}
                  </Anchor>
                </Field>
              )}
            </SimpleGrid>
            {(data.error || data.reason) && (
              <Text c={data.status === 'skipped' ? 'dimmed' : 'red'} size="sm" mt="md" data-testid="execution-error">
                {/* A stop the server made for a reason (replaced by a newer fire) says that reason only,
                    not also the executor's "killed on request". */}
                {[data.reason && reasonText(data.reason), !endedAsAsked(data) && data.error].filter(Boolean).join(' — ')}
              </Text>
            )}
            <SimpleGrid cols={{ base: 1, sm: 2 }} mt="md">
              <div>
                <Text size="xs" c="dimmed" tt="uppercase" fw={600} mb={4}>
                  {t('executionDetail.result')}
                </Text>
                <Json value={data.result} />
              </div>
              <div>
                <Text size="xs" c="dimmed" tt="uppercase" fw={600} mb={4}>
                  {t('form.parameters')}
                </Text>
                <Json value={data.parameters && Object.keys(data.parameters).length ? data.parameters : null} />
              </div>
            </SimpleGrid>
          </Card>
        </Grid.Col>
      </Grid>
      <Card>
        <LiveLog executionId={data.id} expired={data.log_expired} onEnd={() => void queryClient.invalidateQueries({ queryKey: ['execution', data.id] })} />
      </Card>
      {modal}
    </Stack>
  );
}
