// The app itself: providers (theme, i18n, queries, auth, live events) around the router,
// mounted on #root by main.tsx, which has started the page's own chunk and first data.
import { localStorageColorSchemeManager, MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiError, get } from './api/client.ts';
import { App } from './app.tsx';
import { AuthProvider, whoAmI } from './auth.tsx';
import type { PageQuery } from './first-queries.ts';
import './i18n/index.ts';
import { theme } from './theme.ts';

const colorSchemeManager = localStorageColorSchemeManager({ key: 'cronfleet.color-scheme' });

/**
 * Renders the app. The opened page's first queries go into the cache at once (their
 * requests, started by main.tsx, are taken rather than sent again), and who is signed in
 * is known before the first render (GET /auth/me is preloaded by index.html and has
 * usually arrived): the first render draws the page, not a spinner that a second replaces.
 */
export async function mountApp(firstQueries: readonly PageQuery[]): Promise<void> {
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 2000,
        // A 4xx will not fix itself by asking again.
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
        refetchOnWindowFocus: true,
      },
    },
  });
  // Data that has arrived by the first render is drawn in it; what has not follows.
  for (const query of firstQueries) void queryClient.prefetchQuery({ queryKey: query.queryKey, queryFn: () => get(query.path, query.query) });
  const signedIn = await whoAmI().catch(() => null);
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <MantineProvider theme={theme} defaultColorScheme="auto" colorSchemeManager={colorSchemeManager}>
        <Notifications position="bottom-right" />
        <QueryClientProvider client={queryClient}>
          <AuthProvider signedIn={signedIn}>
            <App />
          </AuthProvider>
        </QueryClientProvider>
      </MantineProvider>
    </StrictMode>,
  );
}
