// Task list: search, filters, server-side sorting and pagination; each task's latest runs;
// row actions and bulk actions on the selected rows.
import { Anchor, Badge, Box, Button, Card, Checkbox, Group, Pagination, ScrollArea, Select, Stack, Table, TagsInput, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconArrowsHorizontal, IconSearch } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { get } from '../api/client.ts';
import { taskTypes, type Page, type Task } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { StatusBadge, TimeAgo, useFormatters } from '../components/format.tsx';
import { ListPageHeader } from '../components/list-page-header.tsx';
import { TaskRowActions, useTaskActions } from '../components/task-actions.tsx';
import { BulkBar, RunDots, SortHeader } from '../components/task-list-parts.tsx';
import { taskListPageSizes, taskListQuery, taskListView } from '../first-queries.ts';
import { useRefetchInterval } from '../live.tsx';

export default function TasksPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const format = useFormatters();
  const [params, setParams] = useSearchParams();
  const view = taskListView(params);
  const { search, status, type, tags, page, pageSize, sort } = view;
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [debouncedSearch] = useDebouncedValue(search, 300);
  const refetchInterval = useRefetchInterval(10_000);
  const actions = useTaskActions();

  const update = (changes: Record<string, string | string[] | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      next.delete(key);
      if (Array.isArray(value)) for (const item of value) next.append(key, item);
      else if (value) next.set(key, value);
    }
    if (!('page' in changes)) next.delete('page');
    setParams(next, { replace: true });
  };

  const listQuery = taskListQuery({ ...view, search: debouncedSearch });
  const query = useQuery({
    queryKey: listQuery.queryKey,
    queryFn: () => get<Page<Task>>(listQuery.path, listQuery.query),
    placeholderData: keepPreviousData,
    refetchInterval,
  });
  const items = query.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((query.data?.total ?? 0) / pageSize));
  // Another page, filter or order: a selection the rows no longer show is dropped.
  const listKey = JSON.stringify([debouncedSearch, status, type, tags, page, pageSize, sort]);
  useEffect(() => setSelected(new Set()), [listKey]);
  const selectable = can('operator') && status !== 'deleted';
  const selectedTasks = items.filter((task) => selected.has(task.id));
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allSelected = items.length > 0 && selectedTasks.length === items.length;

  return (
    <Stack>
      <ListPageHeader title={t('tasks.title')} newLabel={t('tasks.new')} newPath="/tasks/new" newTestId="new-task" />
      <Card p="sm">
        <Group gap="sm" grow preventGrowOverflow={false} wrap="wrap">
          <TextInput leftSection={<IconSearch size={16} />} placeholder={t('tasks.search')} value={search} onChange={(event) => update({ search: event.currentTarget.value })} miw={200} data-testid="task-search" />
          <Select
            placeholder={t('tasks.anyStatus')}
            value={status}
            onChange={(value) => update({ status: value })}
            data={['active', 'paused', 'deleted'].map((value) => ({ value, label: t(`status.${value}`) }))}
            clearable
            miw={140}
            data-testid="status-filter"
          />
          <Select placeholder={t('tasks.anyType')} value={type} onChange={(value) => update({ type: value })} data={taskTypes.map((value) => ({ value, label: t(`taskType.${value}`) }))} clearable miw={140} />
          <TagsInput placeholder={t('tasks.tags')} value={tags} onChange={(value) => update({ tag: value })} miw={160} clearable />
        </Group>
      </Card>
      <ErrorAlert error={query.error} />
      {status === 'deleted' && items.length > 0 && (
        <Text size="sm" c="dimmed" data-testid="deleted-hint">
          {t('taskList.openToRestore')}
        </Text>
      )}
      {selectable && <BulkBar selected={selectedTasks} onDone={() => setSelected(new Set())} onClear={() => setSelected(new Set())} />}
      <Card p={0}>
        {query.isLoading ? (
          <Loading />
        ) : items.length === 0 ? (
          <Stack align="center" py="xl" gap="xs">
            <Text c="dimmed">{search || status || type || tags.length ? t('tasks.noMatch') : t('tasks.empty')}</Text>
            {can('operator') && !search && !status && !type && (
              <Button variant="light" component={Link} to="/tasks/new">
                {t('tasks.createFirst')}
              </Button>
            )}
          </Stack>
        ) : (
          <ScrollArea type="auto" offsetScrollbars>
            <Group gap={4} px="sm" pt="xs" c="dimmed" hiddenFrom="lg" data-testid="scroll-hint">
              <IconArrowsHorizontal size={14} />
              <Text size="xs">{t('taskList.moreOnRight')}</Text>
            </Group>
            <Table highlightOnHover verticalSpacing="sm" miw={selectable ? 1120 : 1080} data-testid="task-table">
              <Table.Thead>
                <Table.Tr>
                  {selectable && (
                    <Table.Th w={36}>
                      <Checkbox
                        aria-label={t('taskList.selectAll')}
                        checked={allSelected}
                        indeterminate={selectedTasks.length > 0 && !allSelected}
                        onChange={() => setSelected(allSelected ? new Set() : new Set(items.map((task) => task.id)))}
                        data-testid="select-all"
                      />
                    </Table.Th>
                  )}
                  <SortHeader field="name" sort={sort} onSort={(value) => update({ sort: value === 'name' ? null : value })}>
                    {t('tasks.name')}
                  </SortHeader>
                  <Table.Th>{t('tasks.schedule')}</Table.Th>
                  <Table.Th>{t('tasks.type')}</Table.Th>
                  <Table.Th>{t('tasks.status')}</Table.Th>
                  <Table.Th>{t('taskList.lastResult')}</Table.Th>
                  <SortHeader field="last_fire_at" sort={sort} onSort={(value) => update({ sort: value })}>
                    {t('tasks.lastFire')}
                  </SortHeader>
                  <SortHeader field="next_fire_at" sort={sort} onSort={(value) => update({ sort: value })}>
                    {t('tasks.nextFire')}
                  </SortHeader>
                  <SortHeader field="updated_at" sort={sort} onSort={(value) => update({ sort: value })}>
                    {t('taskList.updated')}
                  </SortHeader>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((task) => (
                  <Table.Tr key={task.id} className="clickable-row" onClick={() => void navigate(`/tasks/${task.id}`)} data-task-name={task.name}>
                    {selectable && (
                      <Table.Td onClick={(event) => event.stopPropagation()}>
                        <Checkbox aria-label={t('taskList.selectRow', { name: task.name })} checked={selected.has(task.id)} onChange={() => toggle(task.id)} data-testid="select-row" />
                      </Table.Td>
                    )}
                    <Table.Td>
                      <Anchor component={Link} to={`/tasks/${task.id}`} fw={600} onClick={(event) => event.stopPropagation()}>
                        {task.name}
                      </Anchor>
                      <Group gap={4} mt={2}>
                        {task.tags?.map((tag) => (
                          <Badge
                            key={tag}
                            size="xs"
                            variant="outline"
                            color="gray"
                            style={{ cursor: 'pointer' }}
                            onClick={(event) => {
                              event.stopPropagation();
                              if (!tags.includes(tag)) update({ tag: [...tags, tag] });
                            }}
                          >
                            {tag}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" ff="monospace">
                        {task.cron_expression ?? t('tasks.manualOnly')}
                      </Text>
                      {task.cron_expression && (
                        <Text size="xs" c="dimmed">
                          {task.timezone}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Box w="max-content">
                        <Badge variant="default" size="sm">
                          {t(`taskType.${task.type}`)}
                        </Badge>
                      </Box>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Box w="max-content">
                        <StatusBadge status={task.status} />
                      </Box>
                    </Table.Td>
                    <Table.Td>
                      <Stack gap={4}>
                        {task.recent_executions?.[0] && (
                          <Box w="max-content">
                            <StatusBadge status={task.recent_executions[0].status} size="xs" />
                          </Box>
                        )}
                        <RunDots runs={task.recent_executions} />
                      </Stack>
                    </Table.Td>
                    <Table.Td>{task.last_fire_at ? <TimeAgo value={task.last_fire_at} /> : <Text size="sm">—</Text>}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{task.status === 'active' && task.next_fire_at ? format.dateTime(task.next_fire_at, task.timezone) : '—'}</Text>
                    </Table.Td>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      <Text size="sm">{format.dateTime(task.updated_at)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <TaskRowActions task={task} actions={actions} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
      </Card>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {t('common.total', { count: query.data?.total ?? 0 })}
        </Text>
        <Group gap="sm">
          <Text size="xs" c="dimmed">
            {t('taskList.pageSize')}
          </Text>
          <Select
            size="xs"
            w={80}
            aria-label={t('taskList.pageSize')}
            value={String(pageSize)}
            onChange={(value) => update({ page_size: value === '20' ? null : value })}
            data={taskListPageSizes.map((value) => ({ value, label: value }))}
            allowDeselect={false}
            data-testid="page-size"
          />
          {pages > 1 && <Pagination size="sm" total={pages} value={page} onChange={(value) => update({ page: String(value) })} />}
        </Group>
      </Group>
      {actions.modals}
    </Stack>
  );
}
