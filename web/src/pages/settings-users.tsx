// Users (admin): create (a generated password is shown once), change role, reset
// password, disable, delete.
import { ActionIcon, Alert, Badge, Button, Card, Code, CopyButton, Group, Menu, Modal, PasswordInput, ScrollArea, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconCheck, IconCopy, IconDots, IconPlus } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, del, get, post, put } from '../api/client.ts';
import type { Page, Role, User } from '../api/types.ts';
import { useAuth } from '../auth.tsx';
import { ErrorAlert, Loading, notifyError, notifySuccess, useConfirm } from '../components/feedback.tsx';
import { TimeAgo } from '../components/format.tsx';

const roles: Role[] = ['viewer', 'operator', 'admin'];

export function SecretOnce({ label, value }: { label: string; value: string }) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs">
      <Alert color="yellow">{label}</Alert>
      <Group wrap="nowrap">
        <Code style={{ flex: 1, wordBreak: 'break-all' }} data-testid="secret-once">
          {value}
        </Code>
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Button size="xs" variant="light" onClick={copy} leftSection={copied ? <IconCheck size={14} /> : <IconCopy size={14} />}>
              {copied ? t('common.copied') : t('common.copy')}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Stack>
  );
}

export default function UsersPanel() {
  const { t } = useTranslation();
  const { user: me } = useAuth();
  const queryClient = useQueryClient();
  const { modal, confirm } = useConfirm();
  const [creating, setCreating] = useState(false);
  const [generated, setGenerated] = useState<{ username: string; password: string } | null>(null);
  const users = useQuery({ queryKey: ['users'], queryFn: () => get<Page<User>>('/users') });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['users'] });

  const form = useForm({
    initialValues: { username: '', role: 'viewer' as Role, password: '' },
    validate: { username: (value) => (value.trim() ? null : t('form.required')), password: (value) => (!value || value.length >= 10 ? null : t('settings.passwordLength')) },
  });
  const create = useMutation({
    mutationFn: (values: typeof form.values) => post<User & { password?: string }>('/users', { username: values.username.trim(), role: values.role, ...(values.password ? { password: values.password } : {}) }),
    onSuccess: (created) => {
      refresh();
      notifySuccess(t('settings.userCreated', { name: created.username }));
      if (created.password) setGenerated({ username: created.username, password: created.password });
      setCreating(false);
      form.reset();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.field && error.field in form.values) form.setFieldError(error.field, error.message);
      else notifyError(error);
    },
  });
  const update = useMutation({
    mutationFn: ({ user, patch }: { user: User; patch: Record<string, unknown> }) => put<User & { password?: string }>(`/users/${user.id}`, patch),
    onSuccess: (updated) => {
      refresh();
      if (updated?.password) setGenerated({ username: updated.username, password: updated.password });
      else notifySuccess(t('common.saved'));
    },
    onError: (error) => notifyError(error),
  });

  if (users.isLoading) return <Loading />;
  return (
    <Stack>
      <Group justify="space-between">
        <Text c="dimmed" size="sm">
          {t('settings.usersHint')}
        </Text>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="new-user">
          {t('settings.newUser')}
        </Button>
      </Group>
      <ErrorAlert error={users.error} />
      {generated && <SecretOnce label={t('settings.generatedPassword', { name: generated.username })} value={generated.password} />}
      <Card p={0}>
        <ScrollArea>
          <Table verticalSpacing="sm" miw={560}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('login.username')}</Table.Th>
                <Table.Th>{t('settings.role')}</Table.Th>
                <Table.Th>{t('settings.lastLogin')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(users.data?.items ?? []).map((user) => (
                <Table.Tr key={user.id}>
                  <Table.Td>
                    <Group gap="xs">
                      <Text size="sm" fw={600}>
                        {user.username}
                      </Text>
                      {user.disabled && (
                        <Badge color="gray" size="xs">
                          {t('settings.disabled')}
                        </Badge>
                      )}
                      {user.id === me?.id && (
                        <Badge variant="light" size="xs">
                          {t('settings.you')}
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Select
                      size="xs"
                      w={130}
                      value={user.role}
                      data={roles.map((role) => ({ value: role, label: t(`role.${role}`) }))}
                      allowDeselect={false}
                      disabled={user.id === me?.id}
                      onChange={(role) => role && update.mutate({ user, patch: { role } })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <TimeAgo value={user.last_login_at} />
                  </Table.Td>
                  <Table.Td ta="right">
                    {user.id !== me?.id && (
                      <Menu position="bottom-end" withinPortal>
                        <Menu.Target>
                          <ActionIcon variant="subtle" color="gray" aria-label={t('common.more')}>
                            <IconDots size={16} />
                          </ActionIcon>
                        </Menu.Target>
                        <Menu.Dropdown>
                          <Menu.Item onClick={() => update.mutate({ user, patch: { disabled: !user.disabled } })}>{user.disabled ? t('settings.enable') : t('settings.disable')}</Menu.Item>
                          <Menu.Item
                            color="red"
                            onClick={() =>
                              confirm(t('settings.deleteUserTitle'), t('settings.deleteUserBody', { name: user.username }), async () => {
                                await del(`/users/${user.id}`);
                                refresh();
                              })
                            }
                          >
                            {t('common.delete')}
                          </Menu.Item>
                        </Menu.Dropdown>
                      </Menu>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      </Card>
      <Modal opened={creating} onClose={() => setCreating(false)} title={t('settings.newUser')} centered>
        <form onSubmit={form.onSubmit((values) => create.mutate(values))} noValidate>
          <Stack>
            <TextInput label={t('login.username')} withAsterisk {...form.getInputProps('username')} />
            <Select label={t('settings.role')} data={roles.map((role) => ({ value: role, label: `${t(`role.${role}`)} — ${t(`roleHint.${role}`)}` }))} allowDeselect={false} {...form.getInputProps('role')} />
            <PasswordInput label={t('login.password')} description={t('settings.passwordGenerated')} {...form.getInputProps('password')} />
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
