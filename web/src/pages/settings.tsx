// Settings: the signed-in account, and (by role) users, API tokens, executor tokens
// and the audit log. The tab is part of the URL (/settings/<tab>).
import { Alert, Button, Card, PasswordInput, Stack, Tabs, Text, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconBell, IconClipboardList, IconDatabase, IconKey, IconServerBolt, IconUser, IconUsers } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { ApiError, put } from '../api/client.ts';
import { useAuth } from '../auth.tsx';
import { Loading, notifyError, notifySuccess } from '../components/feedback.tsx';

const Users = lazy(() => import('./settings-users.tsx'));
const Tokens = lazy(() => import('./settings-tokens.tsx'));
const Audit = lazy(() => import('./settings-audit.tsx'));
const Retention = lazy(() => import('./settings-retention.tsx'));
const Alerts = lazy(() => import('./settings-alerts.tsx'));

function Account() {
  const { t } = useTranslation();
  const { user, can } = useAuth();
  const form = useForm({
    initialValues: { current_password: '', new_password: '', confirm: '' },
    validate: {
      current_password: (value) => (value ? null : t('form.required')),
      new_password: (value) => (value.length >= 10 ? null : t('settings.passwordLength')),
      confirm: (value, values) => (value === values.new_password ? null : t('settings.passwordMismatch')),
    },
  });
  const change = useMutation({
    mutationFn: (values: typeof form.values) => put('/auth/password', { current_password: values.current_password, new_password: values.new_password }),
    onSuccess: () => {
      notifySuccess(t('settings.passwordChanged'));
      form.reset();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.field && error.field in form.values) form.setFieldError(error.field, error.message);
      else if (error instanceof ApiError && error.status === 401) form.setFieldError('current_password', t('settings.wrongPassword'));
      else notifyError(error);
    },
  });
  return (
    <Card maw={480}>
      <Stack>
        <div>
          <Text fw={600}>{user?.username}</Text>
          <Text size="sm" c="dimmed">
            {t(`role.${user?.role ?? 'viewer'}`)} — {t(`roleHint.${user?.role ?? 'viewer'}`)}
          </Text>
        </div>
        {user?.viaToken ? (
          <Alert color="blue">{t('settings.tokenSession')}</Alert>
        ) : (
          <form onSubmit={form.onSubmit((values) => change.mutate(values))} noValidate>
            <Stack>
              <PasswordInput label={t('settings.currentPassword')} autoComplete="current-password" {...form.getInputProps('current_password')} />
              <PasswordInput label={t('settings.newPassword')} autoComplete="new-password" {...form.getInputProps('new_password')} />
              <PasswordInput label={t('settings.confirmPassword')} autoComplete="new-password" {...form.getInputProps('confirm')} />
              <Button type="submit" loading={change.isPending} w="fit-content">
                {t('settings.changePassword')}
              </Button>
            </Stack>
          </form>
        )}
        {!can('operator') && (
          <Text size="sm" c="dimmed">
            {t('settings.viewerNote')}
          </Text>
        )}
      </Stack>
    </Card>
  );
}

export default function SettingsPage() {
  const { t } = useTranslation();
  const { can } = useAuth();
  const navigate = useNavigate();
  const params = useParams();
  const tabs = [
    { value: 'account', label: t('settings.account'), icon: IconUser, show: true },
    { value: 'users', label: t('settings.users'), icon: IconUsers, show: can('admin') },
    { value: 'tokens', label: t('settings.apiTokens'), icon: IconKey, show: can('operator') },
    { value: 'executor-tokens', label: t('settings.executorTokens'), icon: IconServerBolt, show: can('admin') },
    { value: 'alerts', label: t('alerts.tab'), icon: IconBell, show: can('admin') },
    { value: 'audit', label: t('settings.audit'), icon: IconClipboardList, show: can('admin') },
    { value: 'retention', label: t('settings.retention'), icon: IconDatabase, show: true },
  ].filter((tab) => tab.show);
  const requested = params['*'] || (can('admin') ? 'users' : 'account');
  const active = tabs.some((tab) => tab.value === requested) ? requested : 'account';

  return (
    <Stack>
      <Title order={2}>{t('settings.title')}</Title>
      <Tabs value={active} onChange={(value) => void navigate(`/settings/${value ?? 'account'}`)} keepMounted={false}>
        <Tabs.List style={{ flexWrap: 'nowrap', overflowX: 'auto' }}>
          {tabs.map((tab) => (
            <Tabs.Tab key={tab.value} value={tab.value} leftSection={<tab.icon size={16} />} data-testid={`settings-tab-${tab.value}`}>
              {tab.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Suspense fallback={<Loading />}>
          <Tabs.Panel value="account" pt="md">
            <Account />
          </Tabs.Panel>
          <Tabs.Panel value="users" pt="md">
            <Users />
          </Tabs.Panel>
          <Tabs.Panel value="tokens" pt="md">
            <Tokens kind="api" />
          </Tabs.Panel>
          <Tabs.Panel value="executor-tokens" pt="md">
            <Tokens kind="executor" />
          </Tabs.Panel>
          <Tabs.Panel value="alerts" pt="md">
            <Alerts />
          </Tabs.Panel>
          <Tabs.Panel value="audit" pt="md">
            <Audit />
          </Tabs.Panel>
          <Tabs.Panel value="retention" pt="md">
            <Retention />
          </Tabs.Panel>
        </Suspense>
      </Tabs>
    </Stack>
  );
}
