// The app in the browser, mounted on #root by main.tsx, which has started the page's own
// chunk and first data. A page the server rendered (rendered-state.ts) is taken over as it
// is (hydrated): its state fills the query cache and says who is signed in, so the first
// render here is the server's. Any other page is rendered here.
import { hydrateRoot, createRoot } from 'react-dom/client';
import { get, setCsrfToken } from './api/client.ts';
import { App } from './app.tsx';
import { signedInFrom, whoAmI } from './auth.tsx';
import type { PageQuery } from './first-queries.ts';
import './i18n/index.ts';
import { newQueryClient, Providers } from './providers.tsx';
import { renderedState } from './rendered-state.ts';

/**
 * Renders the app. Without a server render, the opened page's first queries go into the
 * cache at once (their requests, started by main.tsx, are taken rather than sent again),
 * and who is signed in is known before the first render (GET /auth/me is preloaded by
 * index.html and has usually arrived): the first render draws the page, not a spinner
 * that a second replaces.
 */
export async function mountApp(firstQueries: readonly PageQuery[]): Promise<void> {
  const queryClient = newQueryClient();
  const container = document.getElementById('root')!;
  const rendered = renderedState();
  if (rendered) {
    for (const query of rendered.queries) queryClient.setQueryData(query.queryKey, query.data, { updatedAt: rendered.renderedAt });
    setCsrfToken(rendered.me.csrf_token ?? null);
    hydrateRoot(
      container,
      <Providers queryClient={queryClient} signedIn={signedInFrom(rendered.me)}>
        <App />
      </Providers>,
      {
        onRecoverableError: (error) => {
          // A part the server leaves to the browser (one that loads its own code, such as the
          // dashboard's open alerts: React error 419) is drawn here, by design.
          if (/#419|could not finish this Suspense boundary/.test(String(error))) return;
          // The server's HTML differed (a clock ticked between the two renders): React draws
          // the page again, which is all that is lost. Said on the console for whoever looks.
          console.warn('cronfleet: the page was drawn again over the server render:', error);
        },
      },
    );
    return;
  }
  // Data that has arrived by the first render is drawn in it; what has not follows.
  for (const query of firstQueries) void queryClient.prefetchQuery({ queryKey: query.queryKey, queryFn: () => get(query.path, query.query) });
  const signedIn = await whoAmI().catch(() => null);
  createRoot(container).render(
    <Providers queryClient={queryClient} signedIn={signedIn}>
      <App />
    </Providers>,
  );
}
