// Pause, resume, trigger (with parameter override), clone, delete and restore: one hook
// used by the task list and the task detail page.
import { ActionIcon, Group, Menu, Tooltip } from '@mantine/core';
import { IconCopy, IconDots, IconPencil, IconPlayerPause, IconPlayerPlay, IconRocket, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { del, post } from '../api/client.ts';
import type { Execution, Task } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { notifyError, notifySuccess, useConfirm } from './feedback.tsx';
import { useTriggerModal } from './trigger-modal.tsx';

export function useTaskActions() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { modal: confirmModal, confirm } = useConfirm();
  const trigger = useTriggerModal<Task, Execution>({
    labels: { title: 'tasks.triggerTitle', hint: 'tasks.triggerHint', submit: 'tasks.trigger', started: 'tasks.triggered' },
    initialParameters: (task) => JSON.stringify(task.parameters ?? {}, null, 2),
    endpoint: (task) => `/tasks/${task.id}/trigger`,
    startedPath: (execution) => `/executions/${execution.id}`,
    testIds: { parameters: 'trigger-parameters', submit: 'trigger-submit' },
  });

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['tasks'] });
    void queryClient.invalidateQueries({ queryKey: ['task'] });
  };
  const setStatus = useMutation({
    mutationFn: ({ task, action }: { task: Task; action: 'pause' | 'resume' }) => post<Task>(`/tasks/${task.id}/${action}`),
    onSuccess: (task, { action }) => {
      notifySuccess(t(action === 'pause' ? 'tasks.pausedOne' : 'tasks.resumedOne', { name: task.name }));
      refresh();
    },
    onError: (error) => notifyError(error),
  });
  const remove = (task: Task, after?: () => void) =>
    confirm(t('tasks.deleteTitle'), t('tasks.deleteBody', { name: task.name }), async () => {
      await del(`/tasks/${task.id}`);
      notifySuccess(t('tasks.deletedOne', { name: task.name }));
      refresh();
      after?.();
    });

  const restore = (task: Task) =>
    confirm(
      t('taskRestore.title', { name: task.name }),
      t('taskRestore.body'),
      async () => {
        await post<Task>(`/tasks/${task.id}/restore`);
        notifySuccess(t('taskRestore.done', { name: task.name }));
        refresh();
      },
      'teal',
      t('taskRestore.restore'),
    );

  /** The new-task form, filled with a copy of this task (task-edit.tsx reads ?clone=). */
  const clone = (task: Task) => void navigate(`/tasks/new?clone=${encodeURIComponent(task.id)}`);

  const modals = (
    <>
      {confirmModal}
      {trigger.modal}
    </>
  );

  return {
    modals,
    pause: (task: Task) => setStatus.mutate({ task, action: 'pause' }),
    resume: (task: Task) => setStatus.mutate({ task, action: 'resume' }),
    busy: setStatus.isPending,
    openTrigger: trigger.open,
    remove,
    restore,
    clone,
  };
}

/** The compact action cluster on a task row. */
export function TaskRowActions({ task, actions }: { task: Task; actions: ReturnType<typeof useTaskActions> }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  if (!can('operator') || task.status === 'deleted') return null;
  return (
    <Group gap={4} wrap="nowrap" justify="flex-end" onClick={(event) => event.stopPropagation()}>
      <Tooltip label={t('tasks.trigger')}>
        <ActionIcon variant="subtle" onClick={() => actions.openTrigger(task)} aria-label={t('tasks.trigger')} data-testid="row-trigger">
          <IconRocket size={18} />
        </ActionIcon>
      </Tooltip>
      {task.status === 'active' ? (
        <Tooltip label={t('tasks.pause')}>
          <ActionIcon variant="subtle" color="yellow" onClick={() => actions.pause(task)} aria-label={t('tasks.pause')} data-testid="row-pause">
            <IconPlayerPause size={18} />
          </ActionIcon>
        </Tooltip>
      ) : (
        <Tooltip label={t('tasks.resume')}>
          <ActionIcon variant="subtle" color="teal" onClick={() => actions.resume(task)} aria-label={t('tasks.resume')} data-testid="row-resume">
            <IconPlayerPlay size={18} />
          </ActionIcon>
        </Tooltip>
      )}
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <ActionIcon variant="subtle" color="gray" aria-label={t('common.more')} data-testid="row-more">
            <IconDots size={18} />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item component={Link} to={`/tasks/${task.id}/edit`} leftSection={<IconPencil size={16} />}>
            {t('common.edit')}
          </Menu.Item>
          <Menu.Item leftSection={<IconCopy size={16} />} onClick={() => actions.clone(task)} data-testid="row-clone">
            {t('taskList.clone')}
          </Menu.Item>
          <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={() => actions.remove(task)} data-testid="row-delete">
            {t('common.delete')}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </Group>
  );
}
