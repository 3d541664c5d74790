// One workflow run (issue 19): the DAG with each step coloured by its state, updated live
// (its query is keyed under 'executions': every execution event refreshes it), and the
// steps as a table with their reasons and links to their executions.
import { Anchor, Badge, Card, Group, ScrollArea, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { get } from '../api/client.ts';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { Json, ShortId, StatusBadge, TimeAgo, useFormatters } from '../components/format.tsx';
import { ended, workflowKeys, type WorkflowRun } from '../components/workflow-actions.tsx';
import { stepStateColor, WorkflowDag } from '../components/workflow-dag.tsx';
import { useLive } from '../live.tsx';

/** Every cell but the reason keeps to one line; the reason takes the width left. */
const nowrap = { whiteSpace: 'nowrap' } as const;

const legend = ['waiting', 'pending', 'running', 'success', 'failed', 'timeout', 'skipped', 'cancelled'] as const;

export default function WorkflowRunPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const format = useFormatters();
  const live = useLive();
  const run = useQuery({
    queryKey: workflowKeys.run(id),
    queryFn: () => get<WorkflowRun>(`/workflow-runs/${id}`),
    // Events refresh it; without them, poll while it runs. Every step ended but the run not
    // yet marked: its end follows the last step's event by a moment, so read once more.
    refetchInterval: (query) => {
      const data = query.state.data;
      if (!data || data.status !== 'running') return false;
      if (!live) return 2000;
      return data.steps.every((step) => ended(step.state)) ? 1000 : false;
    },
  });

  if (run.isLoading) return <Loading />;
  if (!run.data) return <ErrorAlert error={run.error} />;
  const data = run.data;

  return (
    <Stack>
      <div>
        {data.workflow_id ? (
          <Anchor component={Link} to={`/workflows/${data.workflow_id}`} size="sm">
            ← {data.workflow_name ?? t('workflows.title')}
          </Anchor>
        ) : (
          <Anchor component={Link} to="/workflows" size="sm">
            ← {t('workflows.title')}
          </Anchor>
        )}
        <Group gap="sm" wrap="wrap">
          <Title order={2} data-testid="run-title" style={{ overflowWrap: 'anywhere' }}>
            {t('workflows.runTitle', { name: data.workflow_name ?? t('workflows.chain') })}
          </Title>
          <span data-testid="run-status" data-status={data.status}>
            <StatusBadge status={data.status} size="md" />
          </span>
          <Badge variant="default">{t(`trigger.${data.trigger}`)}</Badge>
        </Group>
        <Text size="sm" c="dimmed">
          {t('workflows.runLine', { created: format.dateTime(data.created_at), ended: data.end_time ? format.dateTime(data.end_time) : '—' })}
          {data.scheduled_time && data.trigger !== 'manual' ? ` · ${t('workflows.scheduledTime')}: ${format.dateTime(data.scheduled_time)}` : ''} · {t('workflows.onFailure')}:{' '}
          {t(`workflows.failurePolicy.${data.on_failure}`)}
        </Text>
        {data.source_execution_id && (
          <Text size="sm">
            {t('workflows.chainFrom')}{' '}
            <Anchor component={Link} to={`/executions/${data.source_execution_id}`}>
              <ShortId id={data.source_execution_id} />
            </Anchor>
          </Text>
        )}
      </div>

      <Card>
        <Group justify="space-between" mb="sm" gap="xs">
          <Text fw={600}>{t('workflows.graph')}</Text>
          <Group gap={10} data-testid="state-legend">
            {legend.map((state) => (
              <Group key={state} gap={4} wrap="nowrap">
                <span style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 3, background: `var(--mantine-color-${stepStateColor[state]}-${state === 'waiting' ? 3 : 6})` }} />
                <Text size="xs" c="dimmed">
                  {t(`stepState.${state}`)}
                </Text>
              </Group>
            ))}
          </Group>
        </Group>
        <WorkflowDag steps={data.steps} run />
      </Card>

      <Card p={0}>
        <Text fw={600} p="md" pb="xs">
          {t('workflows.steps')}
        </Text>
        <ScrollArea type="auto" offsetScrollbars>
          <Table verticalSpacing="xs" miw={720} data-testid="run-steps">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('workflows.stepName')}</Table.Th>
                <Table.Th>{t('workflows.task')}</Table.Th>
                <Table.Th>{t('workflows.status')}</Table.Th>
                <Table.Th>{t('workflows.reason')}</Table.Th>
                <Table.Th>{t('workflows.started')}</Table.Th>
                <Table.Th>{t('workflows.execution')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.steps.map((step) => (
                <Table.Tr key={step.name} data-testid="run-step-row" data-step={step.name} data-state={step.state}>
                  <Table.Td style={nowrap}>
                    <Text size="sm" fw={600} ff="monospace">
                      {step.name}
                    </Text>
                  </Table.Td>
                  <Table.Td style={nowrap}>
                    {step.task_name ? (
                      <Anchor component={Link} to={`/tasks/${step.task_id}`} size="sm">
                        {step.task_name}
                      </Anchor>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {t('workflows.taskGone')}
                      </Text>
                    )}
                  </Table.Td>
                  {/* A badge's label may shrink to an ellipsis: the cell keeps the whole badge's width. */}
                  <Table.Td style={{ ...nowrap, minWidth: 'max-content' }}>
                    <span style={{ display: 'inline-block', minWidth: 'max-content' }}>
                      {step.state === 'waiting' ? (
                        <Badge color="gray" variant="outline" size="sm" data-status="waiting">
                          {t('stepState.waiting')}
                        </Badge>
                      ) : (
                        <StatusBadge status={step.state} />
                      )}
                      {(step.attempt ?? 1) > 1 && (
                        <Text span size="xs" c="dimmed" ml={4}>
                          {t('workflows.attempt', { attempt: step.attempt })}
                        </Text>
                      )}
                    </span>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c="dimmed" data-testid="step-reason">
                      {step.reason ?? ''}
                    </Text>
                  </Table.Td>
                  <Table.Td style={nowrap}>{step.start_time ? <TimeAgo value={step.start_time} /> : '—'}</Table.Td>
                  <Table.Td style={nowrap}>
                    {step.execution_id ? (
                      <Anchor component={Link} to={`/executions/${step.execution_id}`} data-testid="step-execution">
                        <ShortId id={step.execution_id} />
                      </Anchor>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      </Card>
      {Object.keys(data.parameters).length > 0 && (
        <Card>
          <Text fw={600} mb="sm">
            {t('form.parameters')}
          </Text>
          <Json value={data.parameters} />
        </Card>
      )}
    </Stack>
  );
}
