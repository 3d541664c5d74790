// "Run now" with parameters, for a task (task-actions.tsx) and for a workflow
// (workflow-actions.tsx): the modal holding the parameters as JSON, checked to be one
// object before anything is sent, then the trigger request and the page of what it started.
import { Button, Group, JsonInput, Modal, Stack, Text } from '@mantine/core';
import { IconRocket } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { post } from '../api/client.ts';
import { notifyError, notifySuccess } from './feedback.tsx';

interface TriggerModalOptions<Target extends { name: string }, Started extends { id: string }> {
  /** i18n keys: the modal's title (given the target's name), its hint, its submit button, and the notice once started. */
  labels: { title: string; hint: string; submit: string; started: string };
  /** The parameters the form opens with, as JSON text. */
  initialParameters: (target: Target) => string;
  /** The trigger endpoint; empty parameters are sent as none. */
  endpoint: (target: Target) => string;
  /** The page of what the trigger started, opened once it answers. */
  startedPath: (started: Started) => string;
  /** The data-testid of the parameters field and of the submit button. */
  testIds: { parameters: string; submit: string };
}

export function useTriggerModal<Target extends { name: string }, Started extends { id: string }>(options: TriggerModalOptions<Target, Started>): { modal: ReactNode; open: (target: Target) => void } {
  const { labels, testIds } = options;
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [triggering, setTriggering] = useState<Target | null>(null);
  const [parameters, setParameters] = useState('{}');
  const [parametersError, setParametersError] = useState<string | null>(null);

  const trigger = useMutation({
    mutationFn: ({ target, parameters: given }: { target: Target; parameters: Record<string, unknown> }) => post<Started>(options.endpoint(target), Object.keys(given).length > 0 ? { parameters: given } : {}),
    onSuccess: (started) => {
      setTriggering(null);
      notifySuccess(t(labels.started));
      void queryClient.invalidateQueries({ queryKey: ['executions'] });
      void navigate(options.startedPath(started));
    },
    onError: (error) => notifyError(error),
  });
  const open = (target: Target) => {
    setParameters(options.initialParameters(target));
    setParametersError(null);
    setTriggering(target);
  };
  const submit = () => {
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
    trigger.mutate({ target: triggering, parameters: parsed as Record<string, unknown> });
  };

  const modal = (
    <Modal opened={triggering !== null} onClose={() => setTriggering(null)} title={t(labels.title, { name: triggering?.name ?? '' })} centered size="lg">
      <Stack>
        <Text size="sm" c="dimmed">
          {t(labels.hint)}
        </Text>
        <JsonInput label={t('form.parameters')} value={parameters} onChange={setParameters} error={parametersError} autosize minRows={4} maxRows={14} formatOnBlur data-testid={testIds.parameters} />
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setTriggering(null)}>
            {t('common.cancel')}
          </Button>
          <Button leftSection={<IconRocket size={16} />} onClick={submit} loading={trigger.isPending} data-testid={testIds.submit}>
            {t(labels.submit)}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
  return { modal, open };
}
