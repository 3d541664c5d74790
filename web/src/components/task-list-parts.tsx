// Pieces of the task list: a task's latest runs as dots, sortable column headers, and the
// bar that acts on the selected tasks (with a confirmation naming the action and count,
// and a report of what failed).
import { Box, Button, Card, Group, Table, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { IconArrowDown, IconArrowUp, IconArrowsSort, IconPlayerPause, IconPlayerPlay, IconRocket, IconTrash } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { del, post } from '../api/client.ts';
import type { Task } from '../api/types.ts';
import { errorMessage, notifyError, notifySuccess, useConfirm } from './feedback.tsx';
import { useFormatters } from './format.tsx';

type Run = NonNullable<Task['recent_executions']>[number];

const runColor: Record<string, string> = {
  success: 'var(--mantine-color-teal-6)',
  failed: 'var(--mantine-color-red-6)',
  timeout: 'var(--mantine-color-orange-6)',
  cancelled: 'var(--mantine-color-gray-6)',
  skipped: 'var(--mantine-color-gray-4)',
  running: 'var(--mantine-color-blue-6)',
  pending: 'var(--mantine-color-blue-3)',
};

/** The latest runs, oldest on the left so the newest sits next to the "last result" text; each opens its execution. */
export function RunDots({ runs }: { runs: Run[] | undefined }) {
  const { t } = useTranslation();
  const format = useFormatters();
  if (!runs || runs.length === 0) {
    return (
      <Text size="xs" c="dimmed">
        {t('taskList.noRuns')}
      </Text>
    );
  }
  return (
    <Group gap={3} wrap="nowrap" aria-label={t('taskList.recentRuns')} data-testid="run-dots" onClick={(event) => event.stopPropagation()}>
      {[...runs].reverse().map((run) => (
        <Tooltip key={run.id} label={t('taskList.runTip', { status: t(`status.${run.status}`), time: format.dateTime(run.scheduled_time) })} withinPortal>
          <Box
            component={Link}
            to={`/executions/${run.id}`}
            data-testid="run-dot"
            data-status={run.status}
            aria-label={t(`status.${run.status}`)}
            style={{ display: 'block', width: 10, height: 10, borderRadius: 5, flex: 'none', background: runColor[run.status] ?? 'var(--mantine-color-gray-5)' }}
          />
        </Tooltip>
      ))}
    </Group>
  );
}

/** A column header that sorts the list by `field` (server-side): a click sorts ascending, a second click descending. */
export function SortHeader({ field, sort, onSort, children }: { field: string; sort: string; onSort: (sort: string) => void; children: string }) {
  const { t } = useTranslation();
  const active = sort === field || sort === `-${field}`;
  const descending = sort === `-${field}`;
  const Icon = !active ? IconArrowsSort : descending ? IconArrowDown : IconArrowUp;
  return (
    <Table.Th aria-sort={active ? (descending ? 'descending' : 'ascending') : 'none'} style={{ whiteSpace: 'nowrap' }}>
      <UnstyledButton onClick={() => onSort(active && !descending ? `-${field}` : field)} data-testid={`sort-${field}`} aria-label={t('taskList.sortBy', { column: children })}>
        <Group gap={4} wrap="nowrap">
          <Text fw={700} size="sm">
            {children}
          </Text>
          <Icon size={14} opacity={active ? 1 : 0.4} />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

export type BulkAction = 'pause' | 'resume' | 'trigger' | 'delete';

const bulkRequest: Record<BulkAction, (task: Task) => Promise<unknown>> = {
  pause: (task) => post(`/tasks/${task.id}/pause`),
  resume: (task) => post(`/tasks/${task.id}/resume`),
  trigger: (task) => post(`/tasks/${task.id}/trigger`),
  delete: (task) => del(`/tasks/${task.id}`),
};

/** The bar over the table while tasks are selected: one request per task, all reported. */
export function BulkBar({ selected, onDone, onClear }: { selected: Task[]; onDone: () => void; onClear: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { modal, confirm } = useConfirm();
  if (selected.length === 0) return null;

  const run = (action: BulkAction) => {
    const name = t(`taskList.action.${action}`);
    const count = selected.length;
    confirm(
      t('taskList.bulkTitle', { action: name, count }),
      t(`taskList.bulkBody.${action}`),
      async () => {
        const results = await Promise.allSettled(selected.map((task) => bulkRequest[action](task)));
        const failures = results.flatMap((result, index) => (result.status === 'rejected' ? [`${selected[index]!.name} (${errorMessage(result.reason)})`] : []));
        void queryClient.invalidateQueries({ queryKey: ['tasks'] });
        if (action === 'trigger') void queryClient.invalidateQueries({ queryKey: ['executions'] });
        if (failures.length === 0) notifySuccess(t('taskList.bulkDone', { action: name, count }));
        else notifyError(new Error(t('taskList.bulkPartial', { action: name, ok: count - failures.length, count, failures: failures.join('; ') })));
        onDone();
      },
      action === 'delete' ? 'red' : action === 'pause' ? 'yellow' : 'blue',
    );
  };

  const buttons: Array<{ action: BulkAction; icon: ReactNode; color: string }> = [
    { action: 'trigger', icon: <IconRocket size={16} />, color: 'blue' },
    { action: 'pause', icon: <IconPlayerPause size={16} />, color: 'yellow' },
    { action: 'resume', icon: <IconPlayerPlay size={16} />, color: 'teal' },
    { action: 'delete', icon: <IconTrash size={16} />, color: 'red' },
  ];
  return (
    <Card p="xs" withBorder data-testid="bulk-bar">
      <Group gap="xs" justify="space-between">
        <Text size="sm" fw={600} data-testid="bulk-count">
          {t('taskList.selected', { count: selected.length })}
        </Text>
        <Group gap="xs">
          {buttons.map(({ action, icon, color }) => (
            <Button key={action} size="xs" variant="light" color={color} leftSection={icon} onClick={() => run(action)} data-testid={`bulk-${action}`}>
              {t(`taskList.action.${action}`)}
            </Button>
          ))}
          <Button size="xs" variant="subtle" color="gray" onClick={onClear}>
            {t('taskList.clearSelection')}
          </Button>
        </Group>
      </Group>
      {modal}
    </Card>
  );
}
