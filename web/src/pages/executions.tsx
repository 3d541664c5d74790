// Execution history: filter by task, status, executor, trigger and scheduled time;
// server-side pages. Every filter lives in the URL, so a filtered view can be shared.
import { Button, Card, Group, Pagination, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue, useMediaQuery } from '@mantine/hooks';
import { IconArrowsHorizontal, IconFilterOff, IconSearch } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { get } from '../api/client.ts';
import { executionStatuses, type Execution, type Executor, type Page, type Task } from '../api/types.ts';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { ExecutionTable } from '../components/execution-table.tsx';
import { useFormatters } from '../components/format.tsx';
import { useRefetchInterval } from '../live.tsx';
import { fromZonedInputValue, toZonedInputValue } from '../time-zone.ts';

const pageSize = 25;
const triggers = ['schedule', 'manual', 'retry', 'dependency', 'backfill'] as const;
const filterKeys = ['task_id', 'status', 'executor_id', 'trigger', 'from', 'to'] as const;

function validInstant(value: string | null): string | null {
  return value && !Number.isNaN(Date.parse(value)) ? value : null;
}

/** Tasks offered per search: the filter asks the server, so every task can be found however many there are. */
const taskSearchSize = 20;

/**
 * The task filter: a search as you type (names and descriptions, on the server), and the
 * selected task's name even when it is not among the results (the page opened filtered).
 */
function TaskFilter({ value, onChange, fallbackName }: { value: string | null; onChange: (value: string | null) => void; fallbackName: string | undefined }) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search.trim(), 250);
  const selected = useQuery({ queryKey: ['task', value], queryFn: () => get<Task>(`/tasks/${value}`), enabled: value !== null, staleTime: 30_000, retry: false });
  const selectedLabel = value === null ? null : (selected.data?.name ?? fallbackName ?? value.slice(-8));
  // While the input shows the selected task's name, that is not a search.
  const query = debounced && debounced !== selectedLabel ? debounced : '';
  const found = useQuery({
    queryKey: ['tasks', 'filter-search', query],
    queryFn: () => get<Page<Task>>('/tasks', { search: query || null, page_size: taskSearchSize }),
    staleTime: 30_000,
    placeholderData: keepPreviousData,
  });
  const options = (found.data?.items ?? []).map((task) => ({ value: task.id, label: task.name }));
  if (value !== null && selectedLabel !== null && !options.some((option) => option.value === value)) options.unshift({ value, label: selectedLabel });
  return (
    <Select
      placeholder={t('executions.anyTask')}
      aria-label={t('executions.task')}
      value={value}
      onChange={onChange}
      data={options}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      // The server already matched names and descriptions (also in Chinese): show what it found.
      filter={({ options: all }) => all}
      nothingFoundMessage={found.isFetching ? t('executions.taskSearching') : t('executions.taskNoMatch')}
      leftSection={<IconSearch size={14} />}
      clearable
      data-testid="filter-task"
      comboboxProps={{ withinPortal: true }}
    />
  );
}

export default function ExecutionsPage() {
  const { t } = useTranslation();
  // The from/to inputs are read in the zone of the header's switch (browser or UTC), and say so.
  const format = useFormatters();
  const [params, setParams] = useSearchParams();
  const taskId = params.get('task_id');
  const status = params.get('status');
  const executorId = params.get('executor_id');
  const trigger = params.get('trigger');
  const from = validInstant(params.get('from'));
  const to = validInstant(params.get('to'));
  const rangeInvalid = from !== null && to !== null && Date.parse(to) <= Date.parse(from);
  const filtered = filterKeys.some((key) => params.has(key));
  const page = Number(params.get('page') ?? '1') || 1;
  const refetchInterval = useRefetchInterval(5000);
  // On a phone the table is wider than the screen: say so, columns are not silently cut off.
  const phone = useMediaQuery('(max-width: 48em)', false, { getInitialValueInEffect: false });

  const update = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== 'page') next.delete('page');
    setParams(next, { replace: true });
  };
  const clearFilters = () => {
    const next = new URLSearchParams(params);
    for (const key of [...filterKeys, 'page']) next.delete(key);
    setParams(next, { replace: true });
  };

  const executors = useQuery({ queryKey: ['executors'], queryFn: () => get<Page<Executor>>('/executors'), staleTime: 30_000 });
  const executions = useQuery({
    queryKey: ['executions', { taskId, status, executorId, trigger, from, to, page }],
    queryFn: () => get<Page<Execution>>('/executions', { task_id: taskId, status, executor_id: executorId, trigger, from, to, page, page_size: pageSize }),
    enabled: !rangeInvalid,
    placeholderData: keepPreviousData,
    refetchInterval,
  });
  const pages = Math.max(1, Math.ceil((executions.data?.total ?? 0) / pageSize));

  return (
    <Stack>
      <Title order={2}>{t('executions.title')}</Title>
      <Card p="sm">
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm">
            <TaskFilter value={taskId} onChange={(value) => update('task_id', value)} fallbackName={executions.data?.items.find((execution) => execution.task_id === taskId)?.task_name} />
            <Select placeholder={t('tasks.anyStatus')} value={status} onChange={(value) => update('status', value)} data={executionStatuses.map((value) => ({ value, label: t(`status.${value}`) }))} clearable />
            <Select
              placeholder={t('executions.anyExecutor')}
              value={executorId}
              onChange={(value) => update('executor_id', value)}
              data={(executors.data?.items ?? []).map((executor) => ({ value: executor.id, label: executor.name }))}
              clearable
            />
            <Select
              placeholder={t('executions.anyTrigger')}
              value={trigger}
              onChange={(value) => update('trigger', value)}
              data={triggers.map((value) => ({ value, label: t(`trigger.${value}`) }))}
              clearable
              data-testid="filter-trigger"
            />
          </SimpleGrid>
          <Group gap="sm" grow preventGrowOverflow={false} align="flex-start">
            <TextInput
              type="datetime-local"
              aria-label={t('executions.fromLabel')}
              title={t('executions.fromLabel')}
              leftSection={
                <Text size="xs" c="dimmed">
                  {t('executions.from')}
                </Text>
              }
              leftSectionWidth={46}
              value={toZonedInputValue(from, format.timeZone)}
              onChange={(event) => update('from', fromZonedInputValue(event.currentTarget.value, format.timeZone))}
              description={t('time.inputZone', { label: format.zoneLabel(from) })}
              miw={210}
              data-testid="filter-from"
            />
            <TextInput
              type="datetime-local"
              aria-label={t('executions.toLabel')}
              title={t('executions.toLabel')}
              leftSection={
                <Text size="xs" c="dimmed">
                  {t('executions.to')}
                </Text>
              }
              leftSectionWidth={46}
              value={toZonedInputValue(to, format.timeZone)}
              onChange={(event) => update('to', fromZonedInputValue(event.currentTarget.value, format.timeZone))}
              description={t('time.inputZone', { label: format.zoneLabel(to) })}
              error={rangeInvalid ? t('executions.rangeInvalid') : undefined}
              miw={210}
              data-testid="filter-to"
            />
            {filtered && (
              <Button variant="subtle" color="gray" leftSection={<IconFilterOff size={16} />} onClick={clearFilters} style={{ flexGrow: 0 }} data-testid="clear-filters">
                {t('executions.clearFilters')}
              </Button>
            )}
          </Group>
        </Stack>
      </Card>
      <ErrorAlert error={executions.error} />
      {phone && (executions.data?.items.length ?? 0) > 0 && (
        <Group gap={6} c="dimmed" data-testid="more-columns-hint">
          <IconArrowsHorizontal size={14} />
          <Text size="xs">{t('executors.moreOnRight')}</Text>
        </Group>
      )}
      <Card p={0}>{executions.isLoading ? <Loading /> : <ExecutionTable items={rangeInvalid ? [] : (executions.data?.items ?? [])} emptyText={filtered ? t('executions.noMatch') : undefined} />}</Card>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {t('common.total', { count: rangeInvalid ? 0 : (executions.data?.total ?? 0) })}
        </Text>
        {pages > 1 && <Pagination total={pages} value={page} onChange={(value) => update('page', String(value))} />}
      </Group>
    </Stack>
  );
}
