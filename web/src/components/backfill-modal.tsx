// Backfill of a task or a workflow (issue 19): a past range read in the schedule's own
// zone, a cap, and a preview of the scheduled instants it holds (which are new, which the
// fire ledger has already) before anything is created; then what was created.
import { Alert, Anchor, Badge, Button, Group, Modal, NumberInput, ScrollArea, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconEye, IconHistory } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { BackfillResponse } from '../../../src/protocol/workflow-schemas.ts';
import { post } from '../api/client.ts';
import { fromZonedInputValue, toZonedInputValue } from '../time-zone.ts';
import { ErrorAlert, notifySuccess } from './feedback.tsx';
import { TaskTime, useFormatters } from './format.tsx';

export interface BackfillTarget {
  kind: 'task' | 'workflow';
  id: string;
  name: string;
  /** The schedule's zone: the range is read, and the instants written, in it. */
  timezone: string;
}

/** At most this many instants are listed in the preview; the counts cover them all. */
const LISTED = 50;

export function BackfillModal({ target, onClose }: { target: BackfillTarget; onClose: () => void }) {
  const { t } = useTranslation();
  const format = useFormatters();
  const queryClient = useQueryClient();
  const [from, setFrom] = useState(() => toZonedInputValue(new Date(Date.now() - 86_400_000).toISOString(), target.timezone));
  const [to, setTo] = useState(() => toZonedInputValue(new Date().toISOString(), target.timezone));
  const [maxRuns, setMaxRuns] = useState<number | string>('');
  const [preview, setPreview] = useState<BackfillResponse | null>(null);
  const [result, setResult] = useState<BackfillResponse | null>(null);
  const base = `/${target.kind === 'task' ? 'tasks' : 'workflows'}/${target.id}/backfill`;

  const fromInstant = fromZonedInputValue(from, target.timezone);
  const toInstant = fromZonedInputValue(to, target.timezone);
  const rangeInvalid = fromInstant !== null && toInstant !== null && fromInstant > toInstant;
  const body = () => ({ from: fromInstant, to: toInstant, ...(typeof maxRuns === 'number' ? { max_runs: maxRuns } : {}) });

  const previewing = useMutation({ mutationFn: () => post<BackfillResponse>(`${base}/preview`, body()), onSuccess: setPreview });
  const running = useMutation({
    mutationFn: () => post<BackfillResponse>(base, body()),
    onSuccess: (answer) => {
      setResult(answer);
      setPreview(null);
      notifySuccess(t('backfill.done', { count: answer.created }));
      void queryClient.invalidateQueries({ queryKey: ['executions'] });
    },
  });
  // A changed range or cap makes the preview stale: it must be asked again before confirming.
  const changed = (apply: () => void) => {
    apply();
    setPreview(null);
    setResult(null);
    previewing.reset();
    running.reset();
  };
  const zone = `${target.timezone}, ${format.zoneLabel(fromInstant, target.timezone)}`;

  return (
    <Modal opened onClose={onClose} title={t('backfill.title', { name: target.name })} centered size="lg" data-testid="backfill-modal">
      <Stack>
        <Text size="sm" c="dimmed">
          {t(target.kind === 'task' ? 'backfill.hintTask' : 'backfill.hintWorkflow')}
        </Text>
        <SimpleGrid cols={{ base: 1, xs: 2 }}>
          <TextInput
            type="datetime-local"
            label={t('backfill.from', { zone })}
            value={from}
            onChange={(event) => changed(() => setFrom(event.currentTarget.value))}
            error={fromInstant === null ? t('form.required') : undefined}
            data-testid="backfill-from"
          />
          <TextInput
            type="datetime-local"
            label={t('backfill.to', { zone: `${target.timezone}, ${format.zoneLabel(toInstant, target.timezone)}` })}
            value={to}
            onChange={(event) => changed(() => setTo(event.currentTarget.value))}
            error={toInstant === null ? t('form.required') : rangeInvalid ? t('backfill.rangeInvalid') : undefined}
            data-testid="backfill-to"
          />
        </SimpleGrid>
        <NumberInput
          label={t('backfill.maxRuns')}
          description={t('backfill.maxRunsHint')}
          placeholder="1000"
          min={1}
          max={10_000}
          allowDecimal={false}
          value={maxRuns}
          onChange={(value) => changed(() => setMaxRuns(value))}
          data-testid="backfill-max-runs"
        />
        <ErrorAlert error={previewing.error ?? running.error} />

        {preview && (
          <Stack gap="xs" data-testid="backfill-preview">
            <Group gap="xs">
              <Badge color="teal" variant="light" data-testid="backfill-new-count">
                {t('backfill.newCount', { count: preview.created })}
              </Badge>
              <Badge color="gray" variant="light" data-testid="backfill-existing-count">
                {t('backfill.existingCount', { count: preview.existing })}
              </Badge>
              <Text size="sm" c="dimmed">
                {t('backfill.instantCount', { count: preview.instants.length })}
              </Text>
            </Group>
            {preview.truncated && (
              <Alert color="yellow" p="xs" data-testid="backfill-truncated">
                {t('backfill.truncated', { max: preview.max_runs })}
              </Alert>
            )}
            {preview.instants.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t('backfill.none')}
              </Text>
            ) : (
              <ScrollArea.Autosize mah={240} type="auto">
                <Table verticalSpacing={2} data-testid="backfill-instants">
                  <Table.Tbody>
                    {preview.instants.slice(0, LISTED).map((instant) => (
                      <Table.Tr key={instant.scheduled_time} data-testid="backfill-instant" data-new={instant.new}>
                        <Table.Td>
                          <Text size="sm" ff="monospace">
                            <TaskTime value={instant.scheduled_time} timeZone={target.timezone} />
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          {instant.new ? (
                            <Badge size="xs" color="teal" variant="light">
                              {t('backfill.willRun')}
                            </Badge>
                          ) : (
                            <Badge size="xs" color="gray" variant="outline">
                              {t('backfill.inLedger')}
                            </Badge>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </ScrollArea.Autosize>
            )}
            {preview.instants.length > LISTED && (
              <Text size="xs" c="dimmed">
                {t('backfill.more', { count: preview.instants.length - LISTED })}
              </Text>
            )}
          </Stack>
        )}

        {result && (
          <Alert color="teal" data-testid="backfill-result">
            <Text size="sm" data-created={result.created}>
              {t('backfill.result', { count: result.created, existing: result.existing })}
            </Text>
            {result.created > 0 && (
              <Anchor component={Link} to={target.kind === 'task' ? `/executions?task_id=${target.id}` : `/workflows/${target.id}`} size="sm" onClick={onClose}>
                {t(target.kind === 'task' ? 'backfill.seeExecutions' : 'backfill.seeRuns')}
              </Anchor>
            )}
          </Alert>
        )}

        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {result ? t('common.done') : t('common.cancel')}
          </Button>
          {!result && (
            <Button
              variant="light"
              leftSection={<IconEye size={16} />}
              onClick={() => previewing.mutate()}
              loading={previewing.isPending}
              disabled={fromInstant === null || toInstant === null || rangeInvalid}
              data-testid="backfill-preview-button"
            >
              {t('backfill.preview')}
            </Button>
          )}
          {!result && (
            <Button leftSection={<IconHistory size={16} />} onClick={() => running.mutate()} loading={running.isPending} disabled={!preview || preview.created === 0} data-testid="backfill-confirm">
              {preview ? t('backfill.confirm', { count: preview.created }) : t('backfill.action')}
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
