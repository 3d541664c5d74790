// API tokens (for scripts and the CLI) and executor enrollment tokens: create (the
// secret is shown once), list, revoke.
import { Button, Card, Group, Modal, ScrollArea, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, del, get, post } from '../api/client.ts';
import type { ApiToken, ExecutorToken, Page, Role } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ErrorAlert, Loading, notifyError, useConfirm } from '../components/feedback.tsx';
import { Badge } from '@mantine/core';
import { TimeAgo, useFormatters } from '../components/format.tsx';
import { SecretOnce } from './settings-users.tsx';

const expiries = [
  { value: '', days: 0 },
  { value: '7', days: 7 },
  { value: '30', days: 30 },
  { value: '90', days: 90 },
  { value: '365', days: 365 },
];

export default function TokensPanel({ kind }: { kind: 'api' | 'executor' }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const format = useFormatters();
  const queryClient = useQueryClient();
  const { modal, confirm } = useConfirm();
  const path = kind === 'api' ? '/tokens' : '/executor-tokens';
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const tokens = useQuery({ queryKey: ['tokens', kind], queryFn: () => get<Page<ApiToken & ExecutorToken>>(path) });
  const roles: Role[] = can('admin') ? ['viewer', 'operator', 'admin'] : ['viewer', 'operator'];
  const form = useForm({
    initialValues: { name: '', role: 'operator' as Role, expires: '90' },
    validate: { name: (value) => (value.trim() ? null : t('form.required')) },
  });
  const create = useMutation({
    mutationFn: (values: typeof form.values) =>
      post<{ token: string }>(path, {
        name: values.name.trim(),
        ...(kind === 'api' ? { role: values.role } : {}),
        ...(values.expires ? { expires_in_seconds: Number(values.expires) * 86_400 } : {}),
      }),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: ['tokens', kind] });
      setSecret(created.token);
      setCreating(false);
      form.reset();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.field && error.field in form.values) form.setFieldError(error.field, error.message);
      else notifyError(error);
    },
  });

  if (tokens.isLoading) return <Loading />;
  const items = (tokens.data?.items ?? []).filter((token) => !token.revoked_at);
  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm" maw={640}>
          {kind === 'api' ? t('settings.apiTokensHint') : t('settings.executorTokensHint')}
        </Text>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid={`new-${kind}-token`}>
          {t('settings.newToken')}
        </Button>
      </Group>
      <ErrorAlert error={tokens.error} />
      {secret && <SecretOnce label={t('settings.tokenOnce')} value={secret} />}
      <Card p={0}>
        {items.length === 0 ? (
          <Text c="dimmed" ta="center" py="lg" size="sm">
            {t('settings.noTokens')}
          </Text>
        ) : (
          <ScrollArea>
            <Table verticalSpacing="sm" miw={600}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('settings.tokenName')}</Table.Th>
                  {kind === 'api' && <Table.Th>{t('settings.role')}</Table.Th>}
                  <Table.Th>{t('settings.created')}</Table.Th>
                  <Table.Th>{t('settings.expires')}</Table.Th>
                  <Table.Th>{t('settings.lastUsed')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((token) => (
                  <Table.Tr key={token.id}>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {token.name}
                      </Text>
                    </Table.Td>
                    {kind === 'api' && (
                      <Table.Td>
                        <Badge variant="light">{t(`role.${token.role}`, { defaultValue: token.role })}</Badge>
                      </Table.Td>
                    )}
                    <Table.Td>
                      <TimeAgo value={token.created_at ?? null} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{token.expires_at ? format.dateTime(token.expires_at) : t('settings.never')}</Text>
                    </Table.Td>
                    <Table.Td>
                      <TimeAgo value={(token.last_used_at as string | null | undefined) ?? null} />
                    </Table.Td>
                    <Table.Td ta="right">
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={() =>
                          confirm(t('settings.revokeTitle'), t('settings.revokeBody', { name: token.name }), async () => {
                            await del(`${path}/${token.id}`);
                            void queryClient.invalidateQueries({ queryKey: ['tokens', kind] });
                          })
                        }
                      >
                        {t('settings.revoke')}
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
      </Card>
      <Modal opened={creating} onClose={() => setCreating(false)} title={t('settings.newToken')} centered>
        <form onSubmit={form.onSubmit((values) => create.mutate(values))} noValidate>
          <Stack>
            <TextInput label={t('settings.tokenName')} description={kind === 'executor' ? t('settings.executorTokenNameHint') : undefined} withAsterisk {...form.getInputProps('name')} />
            {kind === 'api' && <Select label={t('settings.role')} data={roles.map((role) => ({ value: role, label: t(`role.${role}`) }))} allowDeselect={false} {...form.getInputProps('role')} />}
            <Select
              label={t('settings.expires')}
              data={expiries.map((entry) => ({ value: entry.value, label: entry.days ? t('settings.inDays', { count: entry.days }) : t('settings.never') }))}
              allowDeselect={false}
              {...form.getInputProps('expires')}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setCreating(false)}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={create.isPending}>
                {t('common.create')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      {modal}
    </Stack>
  );
}
