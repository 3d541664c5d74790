// The one place the UI talks HTTP to the server. A signed-in browser uses the
// HttpOnly session cookie and sends the CSRF token on every non-GET request; a pasted
// API token (kept only for this tab) is sent as a Bearer token instead.
import i18n from 'i18next';
import { readHeaders, requestUrl, takeEarlyRequest, type Query } from './early-requests.ts';

export { bearerToken, setBearerToken, type Query } from './early-requests.ts';

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(status: number, body: ApiErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = body.code;
    this.details = body.details ?? {};
  }

  /** The request field a validation error names (`details.field`), if any. */
  get field(): string | null {
    return typeof this.details.field === 'string' ? this.details.field : null;
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

export function authHeaders(method = 'GET'): Record<string, string> {
  // The server words its messages (validation errors and the like) in the UI's language.
  const headers = readHeaders(i18n.language || 'en');
  if (!headers.authorization && method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  return headers;
}

export async function api<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const headers = authHeaders(method);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const url = requestUrl(path, query);
  // The opened page's first data may be on its way already (main.tsx started it).
  const early = method === 'GET' && body === undefined ? takeEarlyRequest(url, headers) : undefined;
  const response = await (early ??
    fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }));
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null; // not JSON (a proxy's error page): the status and text say what happened
  }
  if (!response.ok) {
    const errorBody = (parsed as { error?: ApiErrorBody } | null)?.error ?? { code: `http_${response.status}`, message: text || response.statusText };
    if (response.status === 401 && !path.startsWith('/auth/')) onUnauthorized?.();
    throw new ApiError(response.status, errorBody);
  }
  return parsed as T;
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', path, undefined, query);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const del = <T = void>(path: string) => api<T>('DELETE', path);
