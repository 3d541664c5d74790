// The workflows a task is a step of, on the task's page (issue 14: a task's page shows
// the alert rules and workflows it belongs to), each with the steps that run it. Loaded
// after the page's figures, as the alert rules are.
import { Anchor, Card, Group, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { get } from '../api/client.ts';
import type { Page } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import type { Workflow } from './workflow-actions.tsx';

export default function TaskWorkflowsCard({ taskId }: { taskId: string }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const workflows = useQuery({ queryKey: ['workflows', 'of-task', taskId], queryFn: () => get<Page<Workflow>>('/workflows', { task_id: taskId, page_size: 100 }) });
  const items = workflows.data?.items ?? [];
  return (
    <Card p={0} data-testid="task-workflows-card">
      <Group justify="space-between" p="md" pb="xs">
        <Text fw={600}>{t('workflows.ofTask')}</Text>
        {can('operator') && (
          <Anchor component={Link} to="/workflows/new" size="sm">
            {t('workflows.new')}
          </Anchor>
        )}
      </Group>
      <Stack gap={6} px="md" pb="sm">
        {workflows.data && items.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('workflows.noneOfTask')}
          </Text>
        )}
        {items.map((workflow) => (
          <Group key={workflow.id} gap="xs" data-testid={`task-workflow-${workflow.name}`}>
            <Anchor component={Link} to={`/workflows/${workflow.id}`} size="sm" fw={600}>
              {workflow.name}
            </Anchor>
            <Text size="sm" c="dimmed">
              {t('workflows.asSteps', {
                steps: workflow.steps
                  .filter((step) => step.task_id === taskId)
                  .map((step) => step.name)
                  .join(', '),
              })}
            </Text>
          </Group>
        ))}
      </Stack>
    </Card>
  );
}
