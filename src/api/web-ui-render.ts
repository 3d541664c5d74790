// The console's most opened pages (dashboard, task list, task page) sent drawn, with their
// data, to a signed-in browser: it shows them as soon as the HTML has arrived, instead of
// after loading and running the app and then asking for the data (seconds on a slow
// machine). The app then takes the HTML over (hydration, web/src/root.tsx).
//
// The renderer is the UI build's own (web/dist-server/entry-server.js, from
// web/src/entry-server.tsx), loaded on the first page it draws, so a server nobody opens the
// console on never holds it. The data is asked of this server's own routes, in process
// (app.inject), with the browser's session cookie and nothing else: each answer is exactly
// what the browser would have been given, decided by the same access checks. The browser
// names the view it shows (language, time zone, the zone switch, colour scheme) in its view
// cookie, which the app writes; without it, or without a session, or when anything fails,
// the page goes out as the plain app, which draws itself as before.
import { statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from './auth.ts';

interface PageQuery {
  queryKey: readonly unknown[];
}

interface View {
  language: string;
  timeZone: string;
  timeZoneChoice: 'browser' | 'utc';
  colorScheme: 'light' | 'dark';
}

/** What web/src/entry-server.tsx exports. */
interface Renderer {
  prepare(): Promise<unknown>;
  rendersPage(path: string): boolean;
  firstQueries(location: { pathname: string; search: string }): PageQuery[];
  queryUrl(query: PageQuery): string;
  render(url: string, state: { view: View; me: unknown; queries: Array<{ queryKey: readonly unknown[]; data: unknown }>; renderedAt: number }): string;
  languages: ReadonlyArray<{ code: string }>;
  stateElementId: string;
  viewCookie: string;
}

export interface RenderedPage {
  /** The HTML that goes inside #root. */
  html: string;
  /** The state it was drawn from, as JSON that is safe inside a <script> element. */
  stateJson: string;
  stateElementId: string;
  view: View;
}

/** The view cookie's value, checked: null unless every field is one the console knows. */
function parseView(value: string | undefined, languages: ReadonlyArray<{ code: string }>): View | null {
  if (!value || value.length > 512) return null;
  let view: Partial<View>;
  try {
    view = JSON.parse(value) as Partial<View>;
  } catch {
    return null;
  }
  if (typeof view !== 'object' || view === null) return null;
  const { language, timeZone, timeZoneChoice, colorScheme } = view;
  if (!languages.some((entry) => entry.code === language)) return null;
  if (timeZoneChoice !== 'browser' && timeZoneChoice !== 'utc') return null;
  if (colorScheme !== 'light' && colorScheme !== 'dark') return null;
  if (typeof timeZone !== 'string' || timeZone.length > 64) return null;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return null;
  }
  return { language: language!, timeZone, timeZoneChoice, colorScheme };
}

/** JSON that cannot end the <script> element it is put in, nor open a comment there. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * A function that draws the page at `path` (decoded, normalised) for a request, or says
 * null: not a page the renderer draws, not signed in, no view cookie, no renderer built, or
 * something failed (logged).
 */
export function pageRenderer(app: FastifyInstance, file: string): (request: FastifyRequest, path: string) => Promise<RenderedPage | null> {
  // Loaded once: its chunks import its entry by its plain URL, so a second copy (a URL with a
  // query) would hold React contexts of its own. A newer build than the one loaded is sent
  // as the plain app until a restart: HTML from the old renderer would not match its code.
  let loaded: { stamp: string; renderer: Promise<Renderer> } | null = null;
  const renderer = (): Promise<Renderer> | null => {
    let stamp: string;
    try {
      stamp = statSync(file, { bigint: true }).mtimeNs.toString();
    } catch {
      return null; // not built
    }
    if (loaded === null) {
      const loading = (import(pathToFileURL(file).href) as Promise<Renderer>).then(async (module) => {
        await module.prepare();
        return module;
      });
      loaded = { stamp, renderer: loading };
    }
    return loaded.stamp === stamp ? loaded.renderer : null;
  };

  return async (request, path) => {
    const session = request.cookies[SESSION_COOKIE];
    if (!session) return null;
    const loading = renderer();
    if (!loading) return null;
    try {
      const module = await loading;
      if (!module.rendersPage(path)) return null;
      const view = parseView(request.cookies[module.viewCookie], module.languages);
      if (!view) return null;
      const search = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      // The browser's session and language, nothing else of its request.
      const headers = { cookie: `${SESSION_COOKIE}=${encodeURIComponent(session)}`, 'accept-language': view.language, accept: 'application/json' };
      const ask = async (url: string) => {
        const response = await app.inject({ method: 'GET', url, headers, remoteAddress: request.ip });
        return response.statusCode === 200 ? response.json<unknown>() : null;
      };
      const queries = module.firstQueries({ pathname: path, search });
      const renderedAt = Date.now();
      const [me, ...answers] = await Promise.all([ask('/api/v1/auth/me'), ...queries.map((query) => ask(module.queryUrl(query)))]);
      const signedIn = me as { user?: unknown; token?: unknown } | null;
      if (!signedIn || (!signedIn.user && !signedIn.token)) return null;
      // A query that was not answered is left to the browser, as the server drew it: loading.
      const data = queries.flatMap((query, i) => (answers[i] === null ? [] : [{ queryKey: query.queryKey, data: answers[i] }]));
      const state = { view, me, queries: data, renderedAt };
      const html = module.render(`${path}${search}`, state);
      return { html, stateJson: scriptJson(state), stateElementId: module.stateElementId, view };
    } catch (error) {
      request.log.warn({ err: error, path }, 'the console page could not be drawn on the server; sent as the plain app');
      return null;
    }
  };
}

/**
 * index.html with a drawn page in it: the HTML in #root, the state beside it, the view's
 * language and colour scheme on <html>; no preload of /auth/me, which the state answers.
 * data-app="drawn" holds the page's clicks until the app has taken it over (web/src/app.css).
 */
export function withRenderedPage(index: string, page: RenderedPage): string {
  return (
    index
      .replace(/<html lang="[^"]*"/, `<html lang="${page.view.language}" data-mantine-color-scheme="${page.view.colorScheme}" data-app="drawn"`)
      .replace(/\s*<link rel="preload" href="\/api\/v1\/auth\/me"[^>]*>/, '')
      // A function, so that nothing in the page (a task's name) is read as a replacement pattern.
      .replace('<div id="root"></div>', () => `<div id="root">${page.html}</div>\n    <script type="application/json" id="${page.stateElementId}">${page.stateJson}</script>`)
  );
}
