// Pause, resume, trigger (with parameter override), clone, delete and restore: one hook
// used by the task list and the task detail page.
import { ActionIcon, Button, Group, JsonInput, Menu, Modal, Stack, Text, Tooltip } from '@mantine/core';
import { IconCopy, IconDots, IconPencil, IconPlayerPause, IconPlayerPlay, IconRocket, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { del, post } from '../api/client.ts';
import type { Execution, Task } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { notifyError, notifySuccess, useConfirm } from './feedback.tsx';

export function useTaskActions() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { modal: confirmModal, confirm } = useConfirm();
  const [triggering, setTriggering] = useState<Task | null>(null);
  const [parameters, setParameters] = useState('{}');
  const [parametersError, setParametersError] = useState<string | null>(null);

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
  const trigger = useMutation({
    mutationFn: ({ task, parameters: overrides }: { task: Task; parameters: Record<string, unknown> }) => post<Execution>(`/tasks/${task.id}/trigger`, Object.keys(overrides).length > 0 ? { parameters: overrides } : {}),
    onSuccess: (execution) => {
      setTriggering(null);
      notifySuccess(t('tasks.triggered'));
      void queryClient.invalidateQueries({ queryKey: ['executions'] });
      void navigate(`/executions/${execution.id}`);
    },
    onError: (error) => notifyError(error),
  });

  const openTrigger = (task: Task) => {
    setParameters(JSON.stringify(task.parameters ?? {}, null, 2));
    setParametersError(null);
    setTriggering(task);
  };
  const submitTrigger = () => {
    if (!triggering) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(parameters.trim() || '{}');
    } catch {
      setParametersError(t('form.invalidJson'));
      return;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      setParametersError(t('form.jsonObject'));
      return;
    }
    trigger.mutate({ task: triggering, parameters: parsed as Record<string, unknown> });
  };

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
      <Modal opened={triggering !== null} onClose={() => setTriggering(null)} title={t('tasks.triggerTitle', { name: triggering?.name ?? '' })} centered size="lg">
        <Stack>
          <Text size="sm" c="dimmed">
            {t('tasks.triggerHint')}
          </Text>
          <JsonInput label={t('form.parameters')} value={parameters} onChange={setParameters} error={parametersError} autosize minRows={4} maxRows={14} formatOnBlur data-testid="trigger-parameters" />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setTriggering(null)}>
              {t('common.cancel')}
            </Button>
            <Button leftSection={<IconRocket size={16} />} onClick={submitTrigger} loading={trigger.isPending} data-testid="trigger-submit">
              {t('tasks.trigger')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );

  return {
    modals,
    pause: (task: Task) => setStatus.mutate({ task, action: 'pause' }),
    resume: (task: Task) => setStatus.mutate({ task, action: 'resume' }),
    busy: setStatus.isPending,
    openTrigger,
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
