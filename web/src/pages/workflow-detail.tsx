// One workflow (issue 19): its definition, its DAG drawn, and its runs, newest first, each
// with its steps' states as dots; operators run it now, backfill, edit or delete it.
import { Anchor, Badge, Button, Card, Group, Pagination, ScrollArea, Stack, Table, Text, Title, Tooltip } from '@mantine/core';
import { IconHistory, IconPencil, IconRocket, IconTrash } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { get } from '../api/client.ts';
import type { Page } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { BackfillModal } from '../components/backfill-modal.tsx';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { StatusBadge, TaskTime, TimeAgo } from '../components/format.tsx';
import { ScheduleSummary } from '../components/schedule-summary.tsx';
import { useWorkflowActions, workflowKeys, type Workflow, type WorkflowRun } from '../components/workflow-actions.tsx';
import { stepStateColor, WorkflowDag } from '../components/workflow-dag.tsx';
import { useRefetchInterval } from '../live.tsx';

const PAGE_SIZE = 20;

/** A run's steps as coloured dots, in the order of the definition. */
function StepDots({ run }: { run: WorkflowRun }) {
  const { t } = useTranslation();
  return (
    <Group gap={3} wrap="nowrap" data-testid="step-dots">
      {run.steps.map((step) => (
        <Tooltip key={step.name} label={`${step.name}: ${t(`stepState.${step.state}`)}`}>
          <span
            data-state={step.state}
            style={{ display: 'inline-block', width: 10, height: 10, borderRadius: 5, background: `var(--mantine-color-${stepStateColor[step.state] ?? 'gray'}-${step.state === 'waiting' ? 3 : 6})` }}
          />
        </Tooltip>
      ))}
    </Group>
  );
}

export default function WorkflowDetailPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [page, setPage] = useState(1);
  const [backfilling, setBackfilling] = useState(false);
  const refetchInterval = useRefetchInterval(5000);
  const actions = useWorkflowActions();
  const workflow = useQuery({ queryKey: workflowKeys.one(id), queryFn: () => get<Workflow>(`/workflows/${id}`), refetchInterval });
  const runs = useQuery({ queryKey: workflowKeys.runs(id, page), queryFn: () => get<Page<WorkflowRun>>(`/workflows/${id}/runs`, { page, page_size: PAGE_SIZE }), placeholderData: keepPreviousData, refetchInterval });

  if (workflow.isLoading) return <Loading />;
  if (!workflow.data) return <ErrorAlert error={workflow.error} />;
  const data = workflow.data;
  const pages = Math.max(1, Math.ceil((runs.data?.total ?? 0) / PAGE_SIZE));

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Anchor component={Link} to="/workflows" size="sm">
            ← {t('workflows.title')}
          </Anchor>
          <Title order={2} data-testid="workflow-title" style={{ overflowWrap: 'anywhere' }}>
            {data.name}
          </Title>
        </div>
        {can('operator') && (
          <Group gap="xs">
            <Button variant="light" leftSection={<IconRocket size={16} />} onClick={() => actions.openTrigger(data)} data-testid="workflow-trigger">
              {t('workflows.trigger')}
            </Button>
            {data.cron_expression && (
              <Button variant="light" color="grape" leftSection={<IconHistory size={16} />} onClick={() => setBackfilling(true)} data-testid="workflow-backfill">
                {t('backfill.action')}
              </Button>
            )}
            <Button variant="default" component={Link} to={`/workflows/${data.id}/edit`} leftSection={<IconPencil size={16} />} data-testid="workflow-edit">
              {t('common.edit')}
            </Button>
            <Button variant="subtle" color="red" leftSection={<IconTrash size={16} />} onClick={() => actions.remove(data, () => void navigate('/workflows'))} data-testid="workflow-delete">
              {t('common.delete')}
            </Button>
          </Group>
        )}
      </Group>

      <Card>
        <Table variant="vertical" layout="fixed" withRowBorders={false} verticalSpacing={4}>
          <Table.Tbody>
            <Table.Tr>
              <Table.Th w={130}>{t('workflows.schedule')}</Table.Th>
              <Table.Td>
                <ScheduleSummary expression={data.cron_expression} timezone={data.timezone} />
              </Table.Td>
            </Table.Tr>
            {data.cron_expression && (
              <Table.Tr>
                <Table.Th>{t('workflows.nextFire')}</Table.Th>
                <Table.Td>
                  <Text size="sm" data-testid="workflow-next-fire">
                    <TaskTime value={data.next_fire_at} timeZone={data.timezone} />
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
            <Table.Tr>
              <Table.Th>{t('workflows.onFailure')}</Table.Th>
              <Table.Td>
                <Text size="sm">
                  {t(`workflows.failurePolicy.${data.on_failure}`)} · {t('form.misfire')}: {t(`misfire.${data.misfire_policy}`)}
                </Text>
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('workflows.steps')}</Table.Th>
              <Table.Td>
                <Badge variant="default">{t('workflows.stepCount', { count: data.steps.length })}</Badge>
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Card>

      <Card>
        <Text fw={600} mb="sm">
          {t('workflows.graph')}
        </Text>
        <WorkflowDag steps={data.steps} />
      </Card>

      <Card p={0}>
        <Text fw={600} p="md" pb="xs">
          {t('workflows.runs')}
        </Text>
        <ErrorAlert error={runs.error} />
        {runs.isLoading ? (
          <Loading />
        ) : (runs.data?.items ?? []).length === 0 ? (
          <Text c="dimmed" p="md" pt={0}>
            {t('workflows.noRuns')}
          </Text>
        ) : (
          <ScrollArea type="auto" offsetScrollbars>
            <Table highlightOnHover verticalSpacing="xs" miw={640} data-testid="workflow-runs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('workflows.started')}</Table.Th>
                  <Table.Th>{t('executions.trigger')}</Table.Th>
                  <Table.Th>{t('workflows.status')}</Table.Th>
                  <Table.Th>{t('workflows.steps')}</Table.Th>
                  <Table.Th>{t('workflows.scheduledTime')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(runs.data?.items ?? []).map((run) => (
                  <Table.Tr key={run.id} className="clickable-row" onClick={() => void navigate(`/workflows/runs/${run.id}`)} data-testid="workflow-run-row" data-run-id={run.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/workflows/runs/${run.id}`} size="sm" onClick={(event) => event.stopPropagation()}>
                        <TimeAgo value={run.created_at} />
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{t(`trigger.${run.trigger}`)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={run.status} />
                    </Table.Td>
                    <Table.Td>
                      <StepDots run={run} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{run.scheduled_time ? <TaskTime value={run.scheduled_time} timeZone={data.timezone} /> : '—'}</Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
        {pages > 1 && (
          <Group justify="center" p="sm">
            <Pagination total={pages} value={page} onChange={setPage} />
          </Group>
        )}
      </Card>
      {backfilling && <BackfillModal target={{ kind: 'workflow', id: data.id, name: data.name, timezone: data.timezone }} onClose={() => setBackfilling(false)} />}
      {actions.modals}
    </Stack>
  );
}
