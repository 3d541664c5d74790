// Execution history: filter by task, status and executor; server-side pages.
import { Card, Group, Pagination, Select, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { get } from '../api/client.ts';
import { executionStatuses, type Execution, type Executor, type Page, type Task } from '../api/types.ts';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { ExecutionTable } from '../components/execution-table.tsx';
import { useRefetchInterval } from '../live.tsx';

const pageSize = 25;

export default function ExecutionsPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const taskId = params.get('task_id');
  const status = params.get('status');
  const executorId = params.get('executor_id');
  const page = Number(params.get('page') ?? '1') || 1;
  const refetchInterval = useRefetchInterval(5000);

  const update = (key: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== 'page') next.delete('page');
    setParams(next, { replace: true });
  };

  const tasks = useQuery({ queryKey: ['tasks', 'all-names'], queryFn: () => get<Page<Task>>('/tasks', { page_size: 1000 }), staleTime: 30_000 });
  const executors = useQuery({ queryKey: ['executors'], queryFn: () => get<Page<Executor>>('/executors'), staleTime: 30_000 });
  const executions = useQuery({
    queryKey: ['executions', { taskId, status, executorId, page }],
    queryFn: () => get<Page<Execution>>('/executions', { task_id: taskId, status, executor_id: executorId, page, page_size: pageSize }),
    placeholderData: keepPreviousData,
    refetchInterval,
  });
  const pages = Math.max(1, Math.ceil((executions.data?.total ?? 0) / pageSize));

  return (
    <Stack>
      <Title order={2}>{t('executions.title')}</Title>
      <Card p="sm">
        <Group gap="sm" grow preventGrowOverflow={false}>
          <Select
            placeholder={t('executions.anyTask')}
            value={taskId}
            onChange={(value) => update('task_id', value)}
            data={(tasks.data?.items ?? []).map((task) => ({ value: task.id, label: task.name }))}
            searchable
            clearable
            miw={180}
          />
          <Select
            placeholder={t('tasks.anyStatus')}
            value={status}
            onChange={(value) => update('status', value)}
            data={executionStatuses.map((value) => ({ value, label: t(`status.${value}`) }))}
            clearable
            miw={140}
          />
          <Select
            placeholder={t('executions.anyExecutor')}
            value={executorId}
            onChange={(value) => update('executor_id', value)}
            data={(executors.data?.items ?? []).map((executor) => ({ value: executor.id, label: executor.name }))}
            clearable
            miw={160}
          />
        </Group>
      </Card>
      <ErrorAlert error={executions.error} />
      <Card p={0}>{executions.isLoading ? <Loading /> : <ExecutionTable items={executions.data?.items ?? []} />}</Card>
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {t('common.total', { count: executions.data?.total ?? 0 })}
        </Text>
        {pages > 1 && <Pagination total={pages} value={page} onChange={(value) => update('page', String(value))} />}
      </Group>
    </Stack>
  );
}
