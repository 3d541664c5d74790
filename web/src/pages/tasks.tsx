// Task list: search, filters and server-side pagination; row actions.
import { Anchor, Badge, Button, Card, Group, Pagination, ScrollArea, Select, Stack, Table, TagsInput, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconPlus, IconSearch } from '@tabler/icons-react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { get } from '../api/client.ts';
import { taskTypes, type Page, type Task } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { StatusBadge, TimeAgo, useFormatters } from '../components/format.tsx';
import { TaskRowActions, useTaskActions } from '../components/task-actions.tsx';
import { useRefetchInterval } from '../live.tsx';

const pageSize = 20;

export default function TasksPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const format = useFormatters();
  const [params, setParams] = useSearchParams();
  const search = params.get('search') ?? '';
  const status = params.get('status');
  const type = params.get('type');
  const tags = params.getAll('tag');
  const page = Number(params.get('page') ?? '1') || 1;
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

  const query = useQuery({
    queryKey: ['tasks', { search: debouncedSearch, status, type, tags, page }],
    queryFn: () => get<Page<Task>>('/tasks', { search: debouncedSearch, status, type, tag: tags, page, page_size: pageSize }),
    placeholderData: keepPreviousData,
    refetchInterval,
  });
  const items = query.data?.items ?? [];
  const pages = Math.max(1, Math.ceil((query.data?.total ?? 0) / pageSize));

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('tasks.title')}</Title>
        {can('operator') && (
          <Button component={Link} to="/tasks/new" leftSection={<IconPlus size={16} />} data-testid="new-task">
            {t('tasks.new')}
          </Button>
        )}
      </Group>
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
          <ScrollArea>
            <Table highlightOnHover verticalSpacing="sm" miw={860} data-testid="task-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('tasks.name')}</Table.Th>
                  <Table.Th>{t('tasks.schedule')}</Table.Th>
                  <Table.Th>{t('tasks.type')}</Table.Th>
                  <Table.Th>{t('tasks.status')}</Table.Th>
                  <Table.Th>{t('tasks.lastFire')}</Table.Th>
                  <Table.Th>{t('tasks.nextFire')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((task) => (
                  <Table.Tr key={task.id} className="clickable-row" onClick={() => void navigate(`/tasks/${task.id}`)} data-task-name={task.name}>
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
                      <Badge variant="default" size="sm">
                        {t(`taskType.${task.type}`)}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={task.status} />
                    </Table.Td>
                    <Table.Td>{task.last_fire_at ? <TimeAgo value={task.last_fire_at} /> : <Text size="sm">—</Text>}</Table.Td>
                    <Table.Td>
                      <Text size="sm">{task.status === 'active' && task.next_fire_at ? format.dateTime(task.next_fire_at, task.timezone) : '—'}</Text>
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
        {pages > 1 && <Pagination total={pages} value={page} onChange={(value) => update({ page: String(value) })} />}
      </Group>
      {actions.modals}
    </Stack>
  );
}
