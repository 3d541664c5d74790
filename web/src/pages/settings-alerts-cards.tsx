// Alert cards shown outside Settings, loaded lazily: the rules watching one task with
// its recent alerts (task page), and the alerts sent in the last day (dashboard); and
// the pieces Settings → Alerts shares with them (kept here, away from its forms).
import { Anchor, Badge, Card, Group, ScrollArea, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { get } from '../api/client.ts';
import type { AlertEntry, AlertRule, Page } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ErrorAlert, Loading } from '../components/feedback.tsx';
import { ShortId, TimeAgo } from '../components/format.tsx';

/** Which tasks a rule watches, in words. */
export function RuleScope({ rule }: { rule: AlertRule }) {
  const { t } = useTranslation();
  if (rule.task_ids.length === 0 && rule.tags.length === 0) return <Text size="sm">{t('alerts.allTasks')}</Text>;
  return (
    <Group gap={4}>
      {rule.task_ids.length > 0 && <Text size="sm">{t('alerts.nTasks', { count: rule.task_ids.length })}</Text>}
      {rule.tags.map((tag) => (
        <Badge key={tag} variant="outline" size="sm">
          {tag}
        </Badge>
      ))}
    </Group>
  );
}

const alertColor: Record<string, string> = { pending: 'blue', sending: 'blue', sent: 'green', failed: 'red', suppressed: 'gray' };

/** Alerts (newest first) as a table; `taskId` narrows them to one task. */
export function RecentAlerts({ taskId, pageSize = 20 }: { taskId?: string; pageSize?: number }) {
  const { t } = useTranslation();
  const alerts = useQuery({ queryKey: ['alerts', taskId ?? null, pageSize], queryFn: () => get<Page<AlertEntry>>('/alerts', { task_id: taskId, page_size: pageSize }), refetchInterval: 10_000 });
  if (alerts.isLoading) return <Loading />;
  const items = alerts.data?.items ?? [];
  if (alerts.error) return <ErrorAlert error={alerts.error} />;
  if (items.length === 0)
    return (
      <Text c="dimmed" ta="center" py="lg" size="sm">
        {t('alerts.noAlerts')}
      </Text>
    );
  return (
    <ScrollArea>
      <Table verticalSpacing="xs" miw={640} data-testid="alerts-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('alerts.time')}</Table.Th>
            <Table.Th>{t('alerts.event.title')}</Table.Th>
            {!taskId && <Table.Th>{t('alerts.task')}</Table.Th>}
            <Table.Th>{t('alerts.status')}</Table.Th>
            <Table.Th>{t('alerts.attempts')}</Table.Th>
            <Table.Th>{t('alerts.answer')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((alert) => (
            <Table.Tr key={alert.id} data-testid="alert-row" data-status={alert.status}>
              <Table.Td>
                <TimeAgo value={alert.created_at} />
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                  {t(`alerts.event.${alert.event}`)}
                </Text>
              </Table.Td>
              {!taskId && (
                <Table.Td>
                  <AlertSubject alert={alert} />
                </Table.Td>
              )}
              <Table.Td>
                <Badge color={alertColor[alert.status] ?? 'gray'} variant="light" size="sm">
                  {t(`alerts.alertStatus.${alert.status}`)}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{alert.attempts}</Text>
              </Table.Td>
              <Table.Td maw={280}>
                <Text size="xs" c="dimmed" lineClamp={2}>
                  {alert.response_status !== null ? `${alert.response_status} ` : ''}
                  {alert.response ?? ''}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}

/** Whether `rule` watches a task with this id and these tags (no tasks and no tags: every task). */
const watches = (rule: AlertRule, taskId: string, tags: readonly string[]) => (rule.task_ids.length === 0 && rule.tags.length === 0) || rule.task_ids.includes(taskId) || rule.tags.some((tag) => tags.includes(tag));

export function TaskAlertsCard({ taskId, tags }: { taskId: string; tags: readonly string[] }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const rules = useQuery({ queryKey: ['alert-rules'], queryFn: () => get<Page<AlertRule>>('/alert-rules', { page_size: 100 }) });
  const watching = (rules.data?.items ?? []).filter((rule) => watches(rule, taskId, tags));
  return (
    <Card p={0} data-testid="task-alerts-card">
      <Group justify="space-between" p="md" pb="xs">
        <Text fw={600}>{t('alerts.cardTitle')}</Text>
        {can('admin') && (
          <Anchor component={Link} to="/settings/alerts" size="sm">
            {t('alerts.tab')}
          </Anchor>
        )}
      </Group>
      <Stack gap={6} px="md" pb="sm">
        {rules.data && watching.length === 0 && (
          <Text size="sm" c="dimmed">
            {t('alerts.noTaskRules')}
          </Text>
        )}
        {watching.map((rule) => (
          <Group key={rule.id} gap="xs" data-testid={`task-rule-${rule.name}`}>
            <Text size="sm" fw={600}>
              {rule.name}
            </Text>
            {!rule.enabled && (
              <Badge color="gray" variant="light" size="sm">
                {t('alerts.off')}
              </Badge>
            )}
            <Text size="sm" c="dimmed">
              {rule.events.map((event) => t(`alerts.event.${event}`)).join(', ')}
            </Text>
            <RuleScope rule={rule} />
          </Group>
        ))}
      </Stack>
      <RecentAlerts taskId={taskId} pageSize={5} />
    </Card>
  );
}

const DAY_MS = 86_400_000;

/** The alerts sent in the last 24 hours (the newest ten); nothing when there are none. */
export function OpenAlertsCard() {
  const { t } = useTranslation();
  const alerts = useQuery({ queryKey: ['alerts', 'open'], queryFn: () => get<Page<AlertEntry>>('/alerts', { status: 'sent', page_size: 10 }), refetchInterval: 30_000 });
  const since = Date.now() - DAY_MS;
  const items = (alerts.data?.items ?? []).filter((alert) => Date.parse(alert.sent_at ?? alert.created_at ?? '') >= since);
  if (items.length === 0) return null;
  return (
    <Card data-testid="open-alerts-card">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>
          {t('alerts.open')}{' '}
          <Text span size="sm" c="dimmed" fw={400}>
            ({t('alerts.openHint')})
          </Text>
        </Text>
      </Group>
      <Stack gap={4}>
        {items.map((alert) => (
          <Group key={alert.id} gap="xs" wrap="nowrap" data-testid="open-alert">
            <Badge color={alert.event === 'recovered' ? 'green' : 'red'} variant="light" size="sm">
              {t(`alerts.event.${alert.event}`)}
            </Badge>
            <AlertSubject alert={alert} />
            <TimeAgo value={alert.sent_at ?? alert.created_at} />
          </Group>
        ))}
      </Stack>
    </Card>
  );
}

/** What an alert is about, by name: its task, else its executor, else nothing (the cluster). */
function AlertSubject({ alert }: { alert: AlertEntry }) {
  if (alert.task_id)
    return (
      <Anchor component={Link} to={`/tasks/${alert.task_id}`} size="sm" truncate>
        {alert.task_name ?? <ShortId id={alert.task_id} />}
      </Anchor>
    );
  if (alert.executor_id)
    return (
      <Anchor component={Link} to={`/executors/${alert.executor_id}`} size="sm" truncate>
        {alert.executor_name ?? <ShortId id={alert.executor_id} />}
      </Anchor>
    );
  return (
    <Text size="sm" c="dimmed">
      —
    </Text>
  );
}
