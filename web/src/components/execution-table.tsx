// A table of executions: the executions page and a task's recent runs.
import { Anchor, Box, ScrollArea, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { get } from '../api/client.ts';
import type { Execution, Executor, Page } from '../api/types.ts';
import { Elapsed, formatDuration, ShortId, StatusBadge, TimeAgo } from './format.tsx';
import { attemptText, shardText } from './execution-numbering.ts';

/** Executor id → name, from the (cached) executor list. */
export function useExecutorNames(): Map<string, string> {
  const executors = useQuery({ queryKey: ['executors'], queryFn: () => get<Page<Executor>>('/executors'), staleTime: 30_000 });
  return new Map((executors.data?.items ?? []).map((executor) => [executor.id, executor.name]));
}

export function ExecutionTable({ items, showTask = true, emptyText }: { items: Execution[]; showTask?: boolean; emptyText?: string }) {
  const { t } = useTranslation();
  const executorNames = useExecutorNames();
  const navigate = useNavigate();
  if (items.length === 0) {
    return (
      <Text c="dimmed" ta="center" py="lg" size="sm">
        {emptyText ?? t('executions.empty')}
      </Text>
    );
  }
  return (
    <ScrollArea>
      <Table highlightOnHover verticalSpacing="xs" miw={720} data-testid="execution-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('executions.id')}</Table.Th>
            {showTask && <Table.Th>{t('executions.task')}</Table.Th>}
            <Table.Th>{t('executions.status')}</Table.Th>
            <Table.Th>{t('executions.trigger')}</Table.Th>
            <Table.Th>{t('executions.started')}</Table.Th>
            <Table.Th>{t('executions.duration')}</Table.Th>
            <Table.Th>{t('executions.executor')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((execution) => (
            <Table.Tr key={execution.id} className="clickable-row" onClick={() => void navigate(`/executions/${execution.id}`)} data-execution-id={execution.id}>
              <Table.Td>
                <ShortId id={execution.id} />
              </Table.Td>
              {showTask && (
                <Table.Td>
                  <Anchor component={Link} to={`/tasks/${execution.task_id}`} size="sm" onClick={(event) => event.stopPropagation()}>
                    {execution.task_name ?? execution.task_id.slice(-8)}
                  </Anchor>
                </Table.Td>
              )}
              <Table.Td>
                {/* Its own width, never squeezed to "TIMED …" in a narrow table. */}
                <Box w="max-content">
                  <StatusBadge status={execution.status} />
                </Box>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{t(`trigger.${execution.trigger}`, { defaultValue: execution.trigger })}</Text>
                {/* Numbered as on the execution page: attempt 2 of 4, shard 2 of 3. */}
                {(execution.attempt > 1 || (execution.max_attempts ?? 1) > 1 || !!execution.shard_total) && (
                  <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }} data-testid="execution-numbering">
                    {[execution.attempt > 1 || (execution.max_attempts ?? 1) > 1 ? attemptText(t, execution) : null, shardText(t, execution)].filter(Boolean).join(' · ')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <TimeAgo value={execution.start_time ?? execution.scheduled_time ?? execution.created_at} />
              </Table.Td>
              <Table.Td>
                <Text size="sm" className="stat-value">
                  {execution.status === 'running' && execution.start_time ? <Elapsed since={execution.start_time} /> : formatDuration(execution.duration_ms)}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" c={execution.executor_id ? undefined : 'dimmed'}>
                  {execution.executor_id ? (executorNames.get(execution.executor_id) ?? execution.executor_id.slice(-8)) : '—'}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}
