// A task's version history (GET /tasks/{id}/history, from the audit log): who changed it
// when, and for an update the fields changed, old → new. Secrets arrive masked.
import { Badge, Button, Card, Code, Group, Stack, Table, Text, Timeline } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client.ts';
import type { Page, TaskHistoryEntry } from '../api/types.ts';
import { ErrorAlert, Loading } from './feedback.tsx';
import { useFormatters } from './format.tsx';
import { isSecretPlaceholder } from './secret-values.ts';

const actionColor: Record<string, string> = { create: 'teal', update: 'blue', pause: 'yellow', resume: 'teal', delete: 'red', restore: 'grape' };

/** A value as one short line; secrets as dots, whatever their depth. */
function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, (_key, inner: unknown) => (isSecretPlaceholder(inner) ? '••••••' : inner));
}

export function TaskHistory({ taskId }: { taskId: string }) {
  const { t } = useTranslation();
  const format = useFormatters();
  const [pageSize, setPageSize] = useState(10);
  const history = useQuery({ queryKey: ['task', taskId, 'history', pageSize], queryFn: () => get<Page<TaskHistoryEntry>>(`/tasks/${taskId}/history`, { page_size: pageSize }) });
  const items = history.data?.items ?? [];
  return (
    <Card data-testid="task-history">
      <Text fw={600} mb="sm">
        {t('taskHistory.title')}
      </Text>
      <ErrorAlert error={history.error} />
      {history.isLoading ? (
        <Loading />
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('taskHistory.empty')}
        </Text>
      ) : (
        <Timeline bulletSize={14} lineWidth={2}>
          {items.map((entry) => {
            const action = entry.action.replace(/^task\./, '');
            return (
              <Timeline.Item key={entry.id} color={actionColor[action] ?? 'gray'} data-testid="history-entry" data-action={entry.action}>
                <Group gap="xs" wrap="wrap">
                  <Badge size="sm" variant="light" color={actionColor[action] ?? 'gray'} style={{ flex: 'none' }}>
                    {t(`taskHistory.action.${action}`, { defaultValue: entry.action })}
                  </Badge>
                  {entry.version !== null && <Text size="sm">v{entry.version}</Text>}
                  <Text size="xs" c="dimmed">
                    {format.dateTime(entry.at)} · {t('taskHistory.by', { actor: entry.actor })}
                  </Text>
                </Group>
                {entry.action === 'task.update' &&
                  (entry.changes.length === 0 ? (
                    <Text size="xs" c="dimmed" mt={4}>
                      {t('taskHistory.noFieldChanges')}
                    </Text>
                  ) : (
                    <Table.ScrollContainer minWidth={320} mt={4}>
                      <Table withRowBorders={false} verticalSpacing={2} fz="xs" data-testid="history-changes">
                        <Table.Thead>
                          <Table.Tr>
                            <Table.Th>{t('taskHistory.field')}</Table.Th>
                            <Table.Th>{t('taskHistory.before')}</Table.Th>
                            <Table.Th />
                            <Table.Th>{t('taskHistory.after')}</Table.Th>
                          </Table.Tr>
                        </Table.Thead>
                        <Table.Tbody>
                          {entry.changes.map((change) => (
                            <Table.Tr key={change.field} data-testid="history-change" data-field={change.field}>
                              <Table.Td>
                                <Code>{change.field}</Code>
                              </Table.Td>
                              <Table.Td c="red.7" style={{ wordBreak: 'break-all' }}>
                                {show(change.before)}
                              </Table.Td>
                              <Table.Td c="dimmed">→</Table.Td>
                              <Table.Td c="teal.8" style={{ wordBreak: 'break-all' }}>
                                {show(change.after)}
                              </Table.Td>
                            </Table.Tr>
                          ))}
                        </Table.Tbody>
                      </Table>
                    </Table.ScrollContainer>
                  ))}
              </Timeline.Item>
            );
          })}
        </Timeline>
      )}
      {(history.data?.total ?? 0) > items.length && (
        <Stack align="flex-start" mt="sm">
          <Button size="xs" variant="subtle" onClick={() => setPageSize((size) => size + 20)}>
            {t('taskHistory.more')}
          </Button>
        </Stack>
      )}
    </Card>
  );
}
