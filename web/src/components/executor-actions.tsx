// What an admin may do to an executor, on the executors page and the executor's own page:
// edit it (an HTTP executor's form, an agent's command line), put it in maintenance (after
// a confirmation naming the executor) or back online, and remove it when it is offline or
// in maintenance (never the built-in executor of `cronfleet up`; one still running work is
// refused by the server, with a message that says so). Others see nothing here.
import { Button, Group, Tooltip } from '@mantine/core';
import { IconPencil, IconTool, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { IN_PROCESS_INSTANCE_PREFIX } from '../../../src/protocol/enums.ts';
import { del, put } from '../api/client.ts';
import type { Executor } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { AgentNoteModal, ExecutorModal } from './executor-forms.tsx';
import { notifyError, notifySuccess, useConfirm } from './feedback.tsx';

export function ExecutorActions({ executor, onRemoved, justify = 'flex-end' }: { executor: Executor; onRemoved?: () => void; justify?: 'flex-end' | 'flex-start' }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const queryClient = useQueryClient();
  // A fresh form for every opening (seq), kept mounted while it closes.
  const [form, setForm] = useState({ opened: false, seq: 0 });
  const [agentNote, setAgentNote] = useState(false);
  const { modal: confirmModal, confirm } = useConfirm();
  // Every executor query (the list, the load, one executor's page) starts with 'executors'.
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['executors'] });
  const setOnline = useMutation({
    mutationFn: () => put<Executor>(`/executors/${executor.id}/status`, { status: 'online', reason: 'web UI' }),
    onSuccess: (updated) => {
      notifySuccess(t('executors.backOnline', { name: updated.name }));
      void refresh();
    },
    onError: (error) => notifyError(error),
  });
  if (!can('admin')) return null;

  const askMaintenance = () =>
    confirm(
      t('executors.maintenanceTitle', { name: executor.name }),
      t('executors.maintenanceBody', { name: executor.name }),
      async () => {
        const updated = await put<Executor>(`/executors/${executor.id}/status`, { status: 'maintenance', reason: 'web UI' });
        notifySuccess(t('executors.inMaintenance', { name: updated.name }));
        await refresh();
      },
      'yellow',
      t('executors.maintenanceConfirm'),
    );
  const askRemove = () =>
    confirm(
      t('executors.removeTitle'),
      t('executors.removeBody', { name: executor.name }),
      async () => {
        await del(`/executors/${executor.id}`);
        notifySuccess(t('executors.removed', { name: executor.name }));
        onRemoved?.();
        await queryClient.invalidateQueries({ queryKey: ['executors'] });
      },
      'red',
      t('executors.remove'),
    );
  const removable = executor.status !== 'online' && !executor.instance_id.startsWith(IN_PROCESS_INSTANCE_PREFIX);

  return (
    <>
      <Group gap="xs" justify={justify} wrap="wrap">
        <Button
          size="xs"
          variant="default"
          leftSection={<IconPencil size={14} />}
          onClick={() => (executor.kind === 'http' ? setForm((current) => ({ opened: true, seq: current.seq + 1 })) : setAgentNote(true))}
          data-testid="executor-edit"
        >
          {t('executors.edit')}
        </Button>
        {executor.status === 'maintenance' ? (
          <Button size="xs" variant="light" color="teal" loading={setOnline.isPending} onClick={() => setOnline.mutate()} data-testid="executor-online">
            {t('executors.setOnline')}
          </Button>
        ) : executor.status === 'online' ? (
          <Button size="xs" variant="light" color="yellow" leftSection={<IconTool size={14} />} onClick={askMaintenance} data-testid="executor-maintenance">
            {t('executors.setMaintenance')}
          </Button>
        ) : null}
        {removable && (
          <Tooltip label={t('executors.removeHint')}>
            <Button size="xs" variant="light" color="red" leftSection={<IconTrash size={14} />} onClick={askRemove} data-testid="executor-remove">
              {t('executors.remove')}
            </Button>
          </Tooltip>
        )}
      </Group>
      {form.seq > 0 && <ExecutorModal key={form.seq} opened={form.opened} executor={executor} onClose={() => setForm((current) => ({ ...current, opened: false }))} />}
      <AgentNoteModal executor={agentNote ? executor : null} onClose={() => setAgentNote(false)} />
      {confirmModal}
    </>
  );
}
