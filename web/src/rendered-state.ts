// A page the server rendered (src/api/web-ui-render.ts, entry-server.tsx) comes with what it
// was rendered from: who is signed in, the answers to the page's first queries, and the view
// (language, time zone, the header's zone switch, colour scheme) the browser asked for in its
// view cookie. The app's first render in the browser starts from the same state, so that it
// takes over the server's HTML (hydration) instead of drawing the page again. The state goes
// in the page as a JSON data block, which no Content-Security-Policy treats as a script.
// No React here: main.tsx reads it before the app has loaded.
import type { Me } from './api/types.ts';

export interface View {
  language: string;
  /** The browser's own zone (IANA name), whatever the switch says. */
  timeZone: string;
  timeZoneChoice: 'browser' | 'utc';
  colorScheme: 'light' | 'dark';
}

export interface RenderedState {
  view: View;
  me: Me;
  queries: Array<{ queryKey: readonly unknown[]; data: unknown }>;
  /** When the server read the data (ms since the epoch). */
  renderedAt: number;
}

export const stateElementId = 'cronfleet-state';
export const viewCookie = 'cronfleet_view';

/** True while running on the server (no window), where only entry-server.tsx sets the state. */
export const onServer = typeof window === 'undefined';

let state: RenderedState | null | undefined;

/** The state the server rendered this page from; null for a page the browser renders itself. */
export function renderedState(): RenderedState | null {
  if (state === undefined) {
    const text = onServer ? null : document.getElementById(stateElementId)?.textContent;
    try {
      state = text ? (JSON.parse(text) as RenderedState) : null;
    } catch {
      state = null;
    }
  }
  return state;
}

let hydrating = true;

/**
 * The time a render reads "now" as: the moment the server read its data, on the server and
 * in the browser's first render of that page, so that ages and elapsed times come out the
 * same in both and the browser keeps the server's HTML; the clock afterwards.
 */
export function renderNow(): number {
  const rendered = hydrating ? renderedState() : null;
  return rendered ? rendered.renderedAt : Date.now();
}

/** The browser's first render has been committed (providers.tsx): "now" is the clock from here on. */
export function endFirstRender(): void {
  if (!onServer) hydrating = false;
}

/** Server only: the state of the render about to run (renders are synchronous, so one at a time). */
export function setRenderedState(next: RenderedState | null): void {
  state = next;
}

/** Remembers the view for the server's next render of a page (a year; not a secret, not HttpOnly). */
export function writeViewCookie(view: View): void {
  const value = encodeURIComponent(JSON.stringify(view));
  document.cookie = `${viewCookie}=${value}; path=/; max-age=31536000; samesite=lax${location.protocol === 'https:' ? '; secure' : ''}`;
}
