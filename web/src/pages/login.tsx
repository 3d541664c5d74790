// Sign in with a username and password; an API token works too (e.g. the admin token).
import { Alert, Anchor, Box, Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { ApiError } from '../api/client.ts';
import { useAuth } from '../auth.tsx';
import { errorMessage } from '../components/feedback.tsx';
import { LanguageMenu, Logo, ThemeToggle } from '../layout.tsx';

export function LoginPage() {
  const { t } = useTranslation();
  const { user, loading, login, loginWithToken } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useForm({
    initialValues: { username: '', password: '', token: '' },
    validate: {
      username: (value) => (mode === 'password' && !value.trim() ? t('login.required') : null),
      password: (value) => (mode === 'password' && !value ? t('login.required') : null),
      token: (value) => (mode === 'token' && !value.trim() ? t('login.required') : null),
    },
  });
  const from = (location.state as { from?: string } | null)?.from ?? '/';

  if (!loading && user) return <Navigate to={from} replace />;

  const submit = form.onSubmit(async (values) => {
    setBusy(true);
    setError(null);
    try {
      if (mode === 'password') await login(values.username.trim(), values.password);
      else await loginWithToken(values.token);
      await navigate(from, { replace: true });
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? t('login.invalid') : errorMessage(caught));
    } finally {
      setBusy(false);
    }
  });

  return (
    <Box mih="100vh" style={{ background: 'light-dark(linear-gradient(160deg, #eef2ff 0%, #f8f9fa 60%), linear-gradient(160deg, #1a1b2e 0%, #141517 60%))' }}>
      <Group justify="flex-end" p="md" gap="xs">
        <LanguageMenu />
        <ThemeToggle />
      </Group>
      <Center px="md" pt="6vh">
        <Paper withBorder shadow="md" p="xl" w="100%" maw={400}>
          <form onSubmit={submit} noValidate>
            <Stack>
              <Logo />
              <div>
                <Title order={3}>{t('login.title')}</Title>
                <Text size="sm" c="dimmed">
                  {t('login.subtitle')}
                </Text>
              </div>
              {error && (
                <Alert color="red" data-testid="login-error">
                  {error}
                </Alert>
              )}
              {mode === 'password' ? (
                <>
                  <TextInput label={t('login.username')} autoComplete="username" autoFocus {...form.getInputProps('username')} name="username" />
                  <PasswordInput label={t('login.password')} autoComplete="current-password" {...form.getInputProps('password')} name="password" />
                </>
              ) : (
                <PasswordInput label={t('login.token')} description={t('login.tokenHint')} {...form.getInputProps('token')} name="token" />
              )}
              <Button type="submit" loading={busy} fullWidth data-testid="login-submit">
                {t('login.submit')}
              </Button>
              <Anchor component="button" type="button" size="sm" ta="center" onClick={() => setMode(mode === 'password' ? 'token' : 'password')}>
                {mode === 'password' ? t('login.useToken') : t('login.usePassword')}
              </Anchor>
            </Stack>
          </form>
        </Paper>
      </Center>
    </Box>
  );
}
