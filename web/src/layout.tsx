// The shell: header with language, theme and account; a navigation bar that folds
// into a drawer on a phone.
import { ActionIcon, AppShell, Avatar, Badge, Box, Burger, Button, Group, Menu, NavLink, Text, Tooltip, useComputedColorScheme, useMantineColorScheme } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { IconActivity, IconClockPlay, IconHierarchy2, IconLanguage, IconLayoutDashboard, IconListCheck, IconLogout, IconMoon, IconServer2, IconSettings, IconSun, IconTopologyStar3, IconWorld } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { useAuth } from './auth.tsx';
import { languages } from './i18n/index.ts';
import { useLive } from './live.tsx';
import { setTimeZoneChoice, useTimeZoneChoice, viewerTimeZone, type TimeZoneChoice } from './time-zone-choice.ts';
import { zoneLabel } from './time-zone.ts';

export function Logo() {
  return (
    <Group gap={8} wrap="nowrap">
      <IconClockPlay size={26} color="var(--mantine-color-indigo-6)" />
      <Text fw={700} size="lg">
        cron
        <Text span inherit c="indigo">
          fleet
        </Text>
      </Text>
    </Group>
  );
}

export function LanguageMenu() {
  const { i18n, t } = useTranslation();
  const queryClient = useQueryClient();
  // What the server worded (run errors, warnings, reasons) is in the language asked for: ask again.
  const choose = (code: string) => void i18n.changeLanguage(code).then(() => queryClient.invalidateQueries());
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Tooltip label={t('nav.language')}>
          <ActionIcon variant="default" size="lg" aria-label={t('nav.language')} data-testid="language-menu">
            <IconLanguage size={18} />
          </ActionIcon>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        {languages.map((language) => (
          <Menu.Item key={language.code} onClick={() => choose(language.code)} fw={i18n.resolvedLanguage === language.code ? 700 : undefined} data-testid={`language-${language.code}`}>
            {language.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

/** Browser time or UTC for every time that has no zone of its own; the button says which is on. */
function TimeZoneMenu() {
  const { t } = useTranslation();
  const { choice, timeZone } = useTimeZoneChoice();
  // The hint would cover the open menu's own heading.
  const [opened, setOpened] = useState(false);
  const now = new Date();
  const options: { value: TimeZoneChoice; label: string }[] = [
    { value: 'browser', label: t('time.browserOption', { zone: viewerTimeZone(), label: zoneLabel(now, viewerTimeZone()) }) },
    { value: 'utc', label: t('time.utcOption') },
  ];
  return (
    <Menu position="bottom-end" withinPortal opened={opened} onChange={setOpened}>
      <Menu.Target>
        <Tooltip label={t('time.switchHint')} disabled={opened}>
          <Button variant="default" h={34} px={6} aria-label={t('time.switchHint')} data-testid="time-zone-menu" data-choice={choice}>
            {/* On a phone the header has no room for the globe: the label alone says it. */}
            <Box component="span" visibleFrom="xs" display="flex" mr={4}>
              <IconWorld size={16} />
            </Box>
            <Text span size="xs" fw={600} style={{ whiteSpace: 'nowrap' }}>
              {zoneLabel(now, timeZone)}
            </Text>
          </Button>
        </Tooltip>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{t('time.switchHint')}</Menu.Label>
        {options.map((option) => (
          <Menu.Item key={option.value} onClick={() => setTimeZoneChoice(option.value)} fw={choice === option.value ? 700 : undefined} data-testid={`time-zone-${option.value}`}>
            {option.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

export function ThemeToggle() {
  const { t } = useTranslation();
  const { setColorScheme } = useMantineColorScheme();
  const scheme = useComputedColorScheme('light');
  return (
    <Tooltip label={t('nav.theme')}>
      <ActionIcon variant="default" size="lg" aria-label={t('nav.theme')} onClick={() => setColorScheme(scheme === 'dark' ? 'light' : 'dark')} data-testid="theme-toggle">
        {scheme === 'dark' ? <IconSun size={18} /> : <IconMoon size={18} />}
      </ActionIcon>
    </Tooltip>
  );
}

const links = [
  { to: '/', key: 'dashboard', icon: IconLayoutDashboard, exact: true },
  { to: '/tasks', key: 'tasks', icon: IconListCheck },
  { to: '/workflows', key: 'workflows', icon: IconHierarchy2 },
  { to: '/executions', key: 'executions', icon: IconActivity },
  { to: '/executors', key: 'executors', icon: IconServer2 },
  { to: '/cluster', key: 'cluster', icon: IconTopologyStar3 },
  { to: '/settings', key: 'settings', icon: IconSettings },
] as const;

export function Layout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const { user, logout } = useAuth();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure(false);
  const live = useLive();

  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap={8} wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.menu')} />
            <Link to="/" style={{ textDecoration: 'none', color: 'inherit' }}>
              <Logo />
            </Link>
          </Group>
          <Group gap={6} wrap="nowrap">
            <Tooltip label={live ? t('nav.liveHint') : t('nav.pollingHint')}>
              <Badge variant="dot" color={live ? 'teal' : 'gray'} visibleFrom="xs" data-testid="live-indicator" data-live={live}>
                {live ? t('nav.live') : t('nav.polling')}
              </Badge>
            </Tooltip>
            <TimeZoneMenu />
            <LanguageMenu />
            <ThemeToggle />
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <ActionIcon variant="subtle" size="lg" radius="xl" aria-label={t('nav.account')} data-testid="account-menu">
                  <Avatar size={30} radius="xl" color="indigo">
                    {user?.username.slice(0, 2).toUpperCase()}
                  </Avatar>
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Label>
                  {user?.username} · {t(`role.${user?.role ?? 'viewer'}`)}
                </Menu.Label>
                <Menu.Item component={Link} to="/settings/account" leftSection={<IconSettings size={16} />}>
                  {t('settings.account')}
                </Menu.Item>
                <Menu.Item color="red" leftSection={<IconLogout size={16} />} onClick={() => void logout()} data-testid="logout">
                  {t('nav.logout')}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs">
        {links.map((link) => {
          const active = 'exact' in link ? location.pathname === link.to : location.pathname.startsWith(link.to);
          return (
            <NavLink
              key={link.to}
              component={Link}
              to={link.to}
              label={t(`nav.${link.key}`)}
              leftSection={<link.icon size={18} stroke={1.6} />}
              active={active}
              onClick={close}
              variant="light"
              style={{ borderRadius: 'var(--mantine-radius-md)' }}
              data-testid={`nav-${link.key}`}
            />
          );
        })}
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
