// GET requests the console starts before its app has loaded: main.tsx asks for the opened
// page's first data (first-queries.ts) the moment it runs, so the answers travel while the
// app's code is fetched and run, instead of after the page has rendered. The app's own
// request for the same URL, with the same headers, takes the started one (api/client.ts)
// rather than asking again. Nothing here imports the app's libraries: main.tsx stays tiny.
import { initialLanguage } from '../i18n/initial-language.ts';

export type Query = Record<string, string | number | boolean | null | undefined | readonly string[]>;

const tokenKey = 'cronfleet.token';

/** A pasted API token, kept only for this tab; null when the session cookie signs requests. */
export function bearerToken(): string | null {
  return sessionStorage.getItem(tokenKey);
}

export function setBearerToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(tokenKey);
  else sessionStorage.setItem(tokenKey, token);
}

/** The URL of an API path with its query (empty and null values left out, arrays repeated). */
export function requestUrl(path: string, query?: Query): string {
  const url = `/api/v1${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${url}?${text}` : url;
}

/** The headers of a GET: the token when one was pasted, and the language the server words its texts in. */
export function readHeaders(language: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const bearer = bearerToken();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  headers['accept-language'] = language;
  return headers;
}

/**
 * A started answer is handed out once, and only within this long of its start: the app asks
 * within a second or two of the page opening; later, a new request gives fresher data.
 */
const keptMs = 10_000;
const started = new Map<string, { response: Promise<Response>; headers: string; at: number }>();

/** Starts a GET for each URL, as the app would send it once loaded. */
export function startEarlyRequests(urls: readonly string[]): void {
  const headers = readHeaders(initialLanguage());
  for (const url of urls) {
    const response = fetch(url, { headers, credentials: 'same-origin' });
    // Not taken (the page asked for something else): the failure is nobody's to report.
    response.catch(() => undefined);
    started.set(url, { response, headers: JSON.stringify(headers), at: performance.now() });
  }
}

/** The started request for a GET of `url` with these headers, once; undefined if none (or another language, token, or too old). */
export function takeEarlyRequest(url: string, headers: Record<string, string>): Promise<Response> | undefined {
  const entry = started.get(url);
  if (!entry) return undefined;
  started.delete(url);
  if (entry.headers !== JSON.stringify(headers) || performance.now() - entry.at > keptMs) return undefined;
  return entry.response;
}
