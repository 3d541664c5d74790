// "Stop all running" on the task page: stops every pending and running execution of the
// task (POST /tasks/{id}/stop), optionally killing their process groups at once.
import { Button, Checkbox, Group, Modal, Stack, Text } from '@mantine/core';
import { IconPlayerStop } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../api/client.ts';
import { notifyError, notifySuccess } from './feedback.tsx';

export function TaskStopButton({ taskId }: { taskId: string }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState(false);
  const [force, setForce] = useState(false);
  const [busy, setBusy] = useState(false);

  const close = () => {
    setOpened(false);
    setForce(false);
  };
  const stop = async () => {
    setBusy(true);
    try {
      const result = await post<{ stopped: string[] }>(`/tasks/${taskId}/stop`, { force });
      notifySuccess(result.stopped.length > 0 ? t('taskStop.done', { count: result.stopped.length }) : t('taskStop.none'));
      close();
      void queryClient.invalidateQueries({ queryKey: ['executions'] });
    } catch (error) {
      notifyError(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button variant="light" color="red" leftSection={<IconPlayerStop size={16} />} onClick={() => setOpened(true)} data-testid="task-stop-all">
        {t('taskStop.button')}
      </Button>
      <Modal opened={opened} onClose={() => !busy && close()} title={t('taskStop.title')} centered>
        <Stack>
          <Text size="sm">{t('taskStop.body')}</Text>
          <Checkbox label={t('taskStop.force')} description={t('taskStop.forceHint')} checked={force} onChange={(event) => setForce(event.currentTarget.checked)} data-testid="task-stop-force" />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy}>
              {t('common.cancel')}
            </Button>
            <Button color="red" loading={busy} onClick={() => void stop()} data-testid="task-stop-confirm">
              {force ? t('taskStop.force') : t('taskStop.submit')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
