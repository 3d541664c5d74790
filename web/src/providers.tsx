// What the app is rendered inside: theme, notifications, the query cache and who is signed
// in, the same in the browser (root.tsx) and on the server (entry-server.tsx), so that the
// browser's first render of a page the server rendered matches it.
import { localStorageColorSchemeManager, MantineProvider, useComputedColorScheme } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { i18n as I18n } from 'i18next';
import { StrictMode, useEffect, type ReactNode } from 'react';
import { I18nextProvider, useTranslation } from 'react-i18next';
import { ApiError } from './api/client.ts';
import type { SignedIn } from './api/types.ts';
import { AuthProvider } from './auth.tsx';
import { writeViewCookie } from './rendered-state.ts';
import { theme } from './theme.ts';
import { useTimeZoneChoice, viewerTimeZone } from './time-zone-choice.ts';

const colorSchemeManager = localStorageColorSchemeManager({ key: 'cronfleet.color-scheme' });

export function newQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 2000,
        // A 4xx will not fix itself by asking again.
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
        refetchOnWindowFocus: true,
      },
    },
  });
}

/** Keeps the view cookie up to date, so that the server renders the next page as this one shows. */
function ViewCookie() {
  const { i18n } = useTranslation();
  const { choice } = useTimeZoneChoice();
  const colorScheme = useComputedColorScheme('light');
  const language = i18n.resolvedLanguage ?? 'en';
  useEffect(() => writeViewCookie({ language, timeZone: viewerTimeZone(), timeZoneChoice: choice, colorScheme }), [language, choice, colorScheme]);
  return null;
}

/** `i18n`: the server's instance in the view's language; the browser uses the global one. */
export function Providers({ queryClient, signedIn, i18n, children }: { queryClient: QueryClient; signedIn: SignedIn | null; i18n?: I18n; children: ReactNode }) {
  const app = (
    <MantineProvider theme={theme} defaultColorScheme="auto" colorSchemeManager={colorSchemeManager}>
      <Notifications position="bottom-right" />
      <ViewCookie />
      <QueryClientProvider client={queryClient}>
        <AuthProvider signedIn={signedIn}>{children}</AuthProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
  return <StrictMode>{i18n ? <I18nextProvider i18n={i18n}>{app}</I18nextProvider> : app}</StrictMode>;
}
