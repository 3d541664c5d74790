// Errors and confirmations, shown the same way on every page.
import { Alert, Button, Center, Group, Loader, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function notifyError(error: unknown, title?: string): void {
  notifications.show({ color: 'red', title: title ?? null, message: errorMessage(error), autoClose: 8000 });
}

export function notifySuccess(message: string): void {
  notifications.show({ color: 'teal', message, autoClose: 3000 });
}

export function ErrorAlert({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert color="red" icon={<IconAlertTriangle size={18} />} title={t('common.error')}>
      {errorMessage(error)}
    </Alert>
  );
}

export function Loading() {
  return (
    <Center py="xl">
      <Loader />
    </Center>
  );
}

/** "Delete task?" → "Delete task": a title that names the action also names its button. */
function actionOf(title: string): string {
  return title.replace(/\s*[?？]\s*$/, '');
}

/**
 * A confirm dialog around a destructive action; resolves when the action completes. The
 * button names the action ("Remove", "删除"), never a bare "OK": `confirmLabel`, else the
 * title without its question mark.
 */
export function useConfirm() {
  const { t } = useTranslation();
  const [state, setState] = useState<{ title: string; body: ReactNode; action: () => Promise<unknown>; color: string; confirmLabel: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    if (!state) return;
    setBusy(true);
    try {
      await state.action();
      setState(null);
    } catch (error) {
      notifyError(error);
    } finally {
      setBusy(false);
    }
  };
  const modal = (
    <Modal opened={state !== null} onClose={() => !busy && setState(null)} title={state?.title} centered>
      <Stack>
        <Text size="sm">{state?.body}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setState(null)} disabled={busy}>
            {t('common.cancel')}
          </Button>
          <Button color={state?.color ?? 'red'} loading={busy} data-testid="confirm" onClick={() => void confirm()}>
            {state?.confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
  return {
    modal,
    confirm: (title: string, body: ReactNode, action: () => Promise<unknown>, color = 'red', confirmLabel?: string) => setState({ title, body, action, color, confirmLabel: confirmLabel ?? actionOf(title) }),
  };
}
