// Workflows (issue 19): the list, and the routes under /workflows (a workflow, its form,
// a run). One chunk for all of them: whoever opens one usually opens the others.
import { Anchor, Badge, Button, Card, Code, Group, Pagination, ScrollArea, Stack, Table, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Route, Routes, useNavigate } from 'react-router';
import { get } from '../api/client.ts';
import type { Page } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { StatusBadge, TaskTime } from '../components/format.tsx';
import { ListPageHeader } from '../components/list-page-header.tsx';
import { useWorkflowActions, WorkflowRowActions, workflowKeys, type Workflow } from '../components/workflow-actions.tsx';
import { useRefetchInterval } from '../live.tsx';
import WorkflowDetailPage from './workflow-detail.tsx';
import WorkflowEditPage from './workflow-edit.tsx';
import WorkflowRunPage from './workflow-run.tsx';

const PAGE_SIZE = 20;

/** The state of a workflow's newest run, as the list answers it. */
function LatestRun({ run }: { run: Workflow['latest_run'] }) {
  const { t } = useTranslation();
  if (!run)
    return (
      <Text size="sm" c="dimmed">
        {t('workflows.noRuns')}
      </Text>
    );
  return (
    <Anchor component={Link} to={`/workflows/runs/${run.id}`} onClick={(event) => event.stopPropagation()} data-testid="latest-run">
      <StatusBadge status={run.status} />
    </Anchor>
  );
}

function WorkflowList() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const [page, setPage] = useState(1);
  const refetchInterval = useRefetchInterval(10_000);
  const actions = useWorkflowActions();
  const query = useQuery({ queryKey: workflowKeys.list(page), queryFn: () => get<Page<Workflow>>('/workflows', { page, page_size: PAGE_SIZE }), placeholderData: keepPreviousData, refetchInterval });
  const items = query.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((query.data?.total ?? 0) / PAGE_SIZE));

  return (
    <Stack>
      <ListPageHeader title={t('workflows.title')} newLabel={t('workflows.new')} newPath="/workflows/new" newTestId="new-workflow" />
      <Text size="sm" c="dimmed">
        {t('workflows.intro')}
      </Text>
      <ErrorAlert error={query.error} />
      <Card p={0}>
        {query.isLoading ? (
          <Loading />
        ) : items.length === 0 ? (
          <Stack align="center" p="xl" gap="sm">
            <Text c="dimmed">{t('workflows.empty')}</Text>
            {can('operator') && (
              <Button variant="light" component={Link} to="/workflows/new">
                {t('workflows.createFirst')}
              </Button>
            )}
          </Stack>
        ) : (
          <ScrollArea type="auto" offsetScrollbars>
            <Table highlightOnHover verticalSpacing="sm" miw={860} data-testid="workflow-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('workflows.name')}</Table.Th>
                  <Table.Th>{t('workflows.schedule')}</Table.Th>
                  <Table.Th>{t('workflows.steps')}</Table.Th>
                  <Table.Th>{t('workflows.latestRun')}</Table.Th>
                  <Table.Th>{t('workflows.nextFire')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((workflow) => (
                  <Table.Tr key={workflow.id} className="clickable-row" onClick={() => void navigate(`/workflows/${workflow.id}`)} data-workflow-name={workflow.name}>
                    <Table.Td>
                      <Anchor component={Link} to={`/workflows/${workflow.id}`} fw={600} onClick={(event) => event.stopPropagation()}>
                        {workflow.name}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      {workflow.cron_expression ? (
                        <Group gap={6} wrap="nowrap">
                          <Code>{workflow.cron_expression}</Code>
                          <Text size="xs" c="dimmed">
                            {workflow.timezone}
                          </Text>
                        </Group>
                      ) : (
                        <Text size="sm" c="dimmed">
                          {t('tasks.manualOnly')}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="default" data-testid="steps-count">
                        {t('workflows.stepCount', { count: workflow.steps.length })}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <LatestRun run={workflow.latest_run} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{workflow.next_fire_at ? <TaskTime value={workflow.next_fire_at} timeZone={workflow.timezone} /> : '—'}</Text>
                    </Table.Td>
                    <Table.Td>
                      <WorkflowRowActions workflow={workflow} actions={actions} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
      </Card>
      {pages > 1 && (
        <Group justify="center">
          <Pagination total={pages} value={page} onChange={setPage} />
        </Group>
      )}
      {actions.modals}
    </Stack>
  );
}

export default function WorkflowsPage() {
  return (
    <Routes>
      <Route index element={<WorkflowList />} />
      <Route path="new" element={<WorkflowEditPage />} />
      <Route path="runs/:id" element={<WorkflowRunPage />} />
      <Route path=":id" element={<WorkflowDetailPage />} />
      <Route path=":id/edit" element={<WorkflowEditPage />} />
    </Routes>
  );
}
