// The server's render of a console page (src/api/web-ui-render.ts loads the build of this,
// web/dist-server/entry-server.js): the same app as the browser's, at the URL asked for, from
// a state the server has gathered (who is signed in, the answers to the page's first
// queries, the view of the browser that asked). The browser's first render starts from the
// same state (root.tsx) and takes the HTML over. Every page's code is loaded before the first
// render, so no page suspends here; what a page loads after its first paint (charts, the
// cron text) is drawn by the browser.
import { createInstance, type i18n as I18n } from 'i18next';
import { renderToString } from 'react-dom/server';
import { App } from './app.tsx';
import { signedInFrom } from './auth.tsx';
import { en } from './i18n/en.ts';
import { languages } from './i18n/initial-language.ts';
import { zhCN } from './i18n/zh-CN.ts';
import { loadPage } from './page-chunks.ts';
import { pageRoutes } from './page-routes.ts';
import { newQueryClient, Providers } from './providers.tsx';
import { setRenderedState, type RenderedState } from './rendered-state.ts';

export { firstQueries, queryUrl } from './first-queries.ts';
export type { RenderedState, View } from './rendered-state.ts';
export { stateElementId, viewCookie } from './rendered-state.ts';
export { languages };

const translations = new Map<string, I18n>();

/** One i18next instance per language, made once: a render reads it synchronously. */
function translationsIn(language: string): I18n {
  let instance = translations.get(language);
  if (!instance) {
    instance = createInstance();
    void instance.init({
      resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
      lng: language,
      fallbackLng: 'en',
      supportedLngs: languages.map((entry) => entry.code),
      interpolation: { escapeValue: false },
      returnNull: false,
      initAsync: false,
    });
    translations.set(language, instance);
  }
  return instance;
}

/** The pages the server renders: those that open most, whose first data it can answer (first-queries.ts). */
const renderedPages = ['src/pages/dashboard.tsx', 'src/pages/tasks.tsx', 'src/pages/task-detail.tsx'] as const;

let pagesLoaded: Promise<unknown> | null = null;

/** Loads the rendered pages' code (once); a render must not find its page missing. */
export function prepare(): Promise<unknown> {
  pagesLoaded ??= Promise.all(renderedPages.map((module) => loadPage(module)));
  return pagesLoaded;
}

/** Whether the server renders the page at `path`. */
export function rendersPage(path: string): boolean {
  const page = pageRoutes.find(({ pattern }) => new RegExp(pattern).test(path));
  return page !== undefined && (renderedPages as readonly string[]).includes(page.module);
}

/** The HTML inside #root for `url` (path and query) rendered from `state`. Call prepare() first; only for a page rendersPage() names. */
export function render(url: string, state: RenderedState): string {
  const queryClient = newQueryClient();
  for (const query of state.queries) queryClient.setQueryData(query.queryKey, query.data, { updatedAt: state.renderedAt });
  setRenderedState(state);
  try {
    return renderToString(
      <Providers queryClient={queryClient} signedIn={signedInFrom(state.me)} i18n={translationsIn(state.view.language)}>
        <App location={url} />
      </Providers>,
    );
  } finally {
    setRenderedState(null);
    queryClient.clear();
  }
}
