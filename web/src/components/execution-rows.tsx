// Executions as a compact list that fits any width (a phone too): status, task, where it
// runs, when it started and its duration (ticking while it runs), each linking to its page.
// The dashboard's running executions and an executor's own page use it.
import { Anchor, Group, Stack, Text } from '@mantine/core';
import { IconChevronRight } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Execution } from '../api/types.ts';
import { useExecutorNames } from './execution-table.tsx';
import { Elapsed, formatDuration, StatusBadge, useFormatters } from './format.tsx';

export function ExecutionRows({ items, showExecutor = true, emptyText, testId }: { items: Execution[]; showExecutor?: boolean; emptyText: string; testId: string }) {
  const { t } = useTranslation();
  const executorNames = useExecutorNames();
  const format = useFormatters();
  if (items.length === 0) {
    return (
      <Text c="dimmed" size="sm" py="xs" data-testid={`${testId}-empty`}>
        {emptyText}
      </Text>
    );
  }
  return (
    <Stack gap={0} data-testid={testId}>
      {items.map((execution) => (
        <Group
          key={execution.id}
          justify="space-between"
          wrap="nowrap"
          gap="sm"
          py={8}
          style={{ borderTop: '1px solid var(--mantine-color-default-border)' }}
          data-execution-id={execution.id}
          data-status={execution.status}
        >
          <Stack gap={2} style={{ minWidth: 0, flex: 1 }}>
            <Group gap={8} wrap="nowrap" style={{ minWidth: 0 }}>
              <span style={{ flex: 'none' }}>
                <StatusBadge status={execution.status} size="xs" />
              </span>
              <Anchor component={Link} to={`/tasks/${execution.task_id}`} size="sm" fw={500} truncate="end" data-testid="execution-task">
                {execution.task_name}
              </Anchor>
            </Group>
            <Text size="xs" c="dimmed" style={{ wordBreak: 'break-word' }}>
              {showExecutor && execution.executor_id && (
                <>
                  <Anchor component={Link} to={`/executors/${execution.executor_id}`} size="xs" data-testid="execution-executor">
                    {executorNames.get(execution.executor_id) ?? execution.executor_id.slice(-8)}
                  </Anchor>
                  {' · '}
                </>
              )}
              <span title={format.dateTime(execution.start_time ?? execution.scheduled_time ?? execution.created_at)}>
                {t('dashboard.started')} {format.ago(execution.start_time ?? execution.scheduled_time ?? execution.created_at)}
              </span>
            </Text>
          </Stack>
          <Group gap={4} wrap="nowrap" style={{ flex: 'none' }}>
            <Text size="sm" className="stat-value" title={t('dashboard.elapsed')}>
              {execution.status === 'running' && execution.start_time ? <Elapsed since={execution.start_time} /> : formatDuration(execution.duration_ms)}
            </Text>
            <Anchor component={Link} to={`/executions/${execution.id}`} aria-label={t('executorDetail.details')} data-testid="execution-link" display="flex">
              <IconChevronRight size={18} />
            </Anchor>
          </Group>
        </Group>
      ))}
    </Stack>
  );
}
