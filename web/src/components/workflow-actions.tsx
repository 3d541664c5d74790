// Workflows (issue 19) in the console: their wire types, the queries that read them, and
// the actions an operator takes on one (run now with parameters, delete). A run's queries
// are keyed under 'executions', so every execution event of the change feed (live.tsx)
// refreshes them: a step's state is its execution's status.
import { ActionIcon, Group, Tooltip } from '@mantine/core';
import { IconPencil, IconRocket, IconTrash } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { WorkflowBody, WorkflowResponse, WorkflowRunResponse } from '../../../src/protocol/workflow-schemas.ts';
import { del } from '../api/client.ts';
import { useAuth } from '../auth.tsx';
import { notifySuccess, useConfirm } from './feedback.tsx';
import { useTriggerModal } from './trigger-modal.tsx';

export type Workflow = WorkflowResponse;
export type WorkflowRun = WorkflowRunResponse;
export type { WorkflowBody };
export { dependencyConditions, workflowFailurePolicies } from '../../../src/protocol/enums.ts';

export const workflowKeys = {
  list: (page: number) => ['workflows', 'list', page] as const,
  one: (id: string) => ['workflows', 'one', id] as const,
  runs: (id: string, page: number) => ['executions', 'workflow-runs', id, page] as const,
  run: (id: string) => ['executions', 'workflow-run', id] as const,
};

/** A run or step state that will not change any more. */
export const ended = (state: string) => !['waiting', 'pending', 'running'].includes(state);

export function useWorkflowActions() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const { modal: confirmModal, confirm } = useConfirm();
  const trigger = useTriggerModal<Workflow, WorkflowRun>({
    labels: { title: 'workflows.triggerTitle', hint: 'workflows.triggerHint', submit: 'workflows.trigger', started: 'workflows.triggered' },
    initialParameters: () => '{}',
    endpoint: (workflow) => `/workflows/${workflow.id}/trigger`,
    startedPath: (run) => `/workflows/runs/${run.id}`,
    testIds: { parameters: 'workflow-trigger-parameters', submit: 'workflow-trigger-submit' },
  });
  const remove = (workflow: Workflow, after?: () => void) =>
    confirm(t('workflows.deleteTitle'), t('workflows.deleteBody', { name: workflow.name }), async () => {
      await del(`/workflows/${workflow.id}`);
      notifySuccess(t('workflows.deletedOne', { name: workflow.name }));
      void queryClient.invalidateQueries({ queryKey: ['workflows'] });
      after?.();
    });

  const modals = (
    <>
      {confirmModal}
      {trigger.modal}
    </>
  );
  return { modals, openTrigger: trigger.open, remove };
}

/** Run now, edit and delete on a workflow's row: operators only. */
export function WorkflowRowActions({ workflow, actions }: { workflow: Workflow; actions: ReturnType<typeof useWorkflowActions> }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  if (!can('operator')) return null;
  return (
    <Group gap={4} wrap="nowrap" justify="flex-end" onClick={(event) => event.stopPropagation()}>
      <Tooltip label={t('workflows.trigger')}>
        <ActionIcon variant="subtle" onClick={() => actions.openTrigger(workflow)} aria-label={t('workflows.trigger')} data-testid="workflow-row-trigger">
          <IconRocket size={18} />
        </ActionIcon>
      </Tooltip>
      <Tooltip label={t('common.edit')}>
        <ActionIcon variant="subtle" color="gray" component={Link} to={`/workflows/${workflow.id}/edit`} aria-label={t('common.edit')} data-testid="workflow-row-edit">
          <IconPencil size={18} />
        </ActionIcon>
      </Tooltip>
      <Tooltip label={t('common.delete')}>
        <ActionIcon variant="subtle" color="red" onClick={() => actions.remove(workflow)} aria-label={t('common.delete')} data-testid="workflow-row-delete">
          <IconTrash size={18} />
        </ActionIcon>
      </Tooltip>
    </Group>
  );
}
