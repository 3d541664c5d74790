// The audit log (admin): who changed what, with the before/after of each change.
import { Card, Group, Pagination, ScrollArea, Select, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { get } from '../api/client.ts';
import type { AuditEntry, Page } from '../api/types.ts';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { Json, useFormatters } from '../components/format.tsx';

const pageSize = 25;
const resourceTypes = ['task', 'execution', 'executor', 'user', 'api_token', 'executor_token', 'session'];

export default function AuditPanel() {
  const { t } = useTranslation();
  const format = useFormatters();
  const [page, setPage] = useState(1);
  const [actor, setActor] = useState('');
  const [resourceType, setResourceType] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [debouncedActor] = useDebouncedValue(actor, 300);
  const audit = useQuery({
    queryKey: ['audit', { page, actor: debouncedActor, resourceType }],
    queryFn: () => get<Page<AuditEntry>>('/audit', { page, page_size: pageSize, actor: debouncedActor, resource_type: resourceType }),
    placeholderData: keepPreviousData,
  });
  const pages = Math.max(1, Math.ceil((audit.data?.total ?? 0) / pageSize));

  return (
    <Stack>
      <Group gap="sm">
        <TextInput
          placeholder={t('settings.actor')}
          value={actor}
          onChange={(event) => {
            setActor(event.currentTarget.value);
            setPage(1);
          }}
          w={200}
        />
        <Select
          placeholder={t('settings.resourceType')}
          data={resourceTypes}
          value={resourceType}
          onChange={(value) => {
            setResourceType(value);
            setPage(1);
          }}
          clearable
          w={200}
        />
      </Group>
      <ErrorAlert error={audit.error} />
      <Card p={0}>
        {audit.isLoading ? (
          <Loading />
        ) : (
          <ScrollArea>
            <Table verticalSpacing="xs" miw={700} highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('settings.when')}</Table.Th>
                  <Table.Th>{t('settings.actor')}</Table.Th>
                  <Table.Th>{t('settings.action')}</Table.Th>
                  <Table.Th>{t('settings.resource')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {(audit.data?.items ?? []).map((entry) => (
                  <Fragment key={entry.id}>
                    <Table.Tr className="clickable-row" onClick={() => setOpen(open === entry.id ? null : entry.id)}>
                      <Table.Td>
                        <Text size="sm">{format.dateTime(entry.at)}</Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">{entry.actor}</Text>
                      </Table.Td>
                      <Table.Td>
                        {/* The action in words (the code as stored on hover); an action this UI does not know shows as its code. */}
                        <Text size="sm" title={entry.action} data-testid="audit-action">
                          {t(`auditAction.${entry.action}`, { defaultValue: entry.action })}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Text size="sm">
                          {entry.resource_type}
                          {entry.resource_id ? ` · ${entry.resource_id.slice(-8)}` : ''}
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                    {open === entry.id && (
                      <Table.Tr>
                        <Table.Td colSpan={4}>
                          <SimpleGrid cols={{ base: 1, sm: 2 }}>
                            <div>
                              <Text size="xs" c="dimmed" fw={600} mb={4}>
                                {t('settings.before')}
                              </Text>
                              <Json value={entry.before ?? null} />
                            </div>
                            <div>
                              <Text size="xs" c="dimmed" fw={600} mb={4}>
                                {t('settings.after')}
                              </Text>
                              <Json value={entry.after ?? null} />
                            </div>
                          </SimpleGrid>
                        </Table.Td>
                      </Table.Tr>
                    )}
                  </Fragment>
                ))}
              </Table.Tbody>
            </Table>
            {(audit.data?.items.length ?? 0) === 0 && (
              <Text c="dimmed" ta="center" py="lg" size="sm">
                {t('settings.noAudit')}
              </Text>
            )}
          </ScrollArea>
        )}
      </Card>
      {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} />}
    </Stack>
  );
}
