// Typed errors with stable codes. The code is the contract: clients match on it,
// never on the message. HTTP status mapping lives here so the API maps in one place. A
// message given as a LocalizedText (a key and parameters, messages/index.ts) is answered in
// the language the client asked for; `message` is always its English.
import { LocalizedText, type MessageLocale } from './messages/index.ts';

export const errorStatus = {
  invalid_request: 400,
  invalid_cron: 400,
  invalid_timezone: 400,
  invalid_task: 400,
  invalid_workflow: 400,
  invalid_config: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  task_not_found: 404,
  execution_not_found: 404,
  workflow_not_found: 404,
  workflow_run_not_found: 404,
  conflict: 409,
  name_taken: 409,
  invalid_state: 409,
  replayed_request: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  database_newer_than_code: 500,
  unavailable: 503,
  /** The database cannot take writes or cannot be reached (disk full, outage): retry later. */
  storage_unavailable: 503,
  /** Lock conflicts (deadlocks, lock waits) outlasted the store's own retries: retry. */
  storage_busy: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export class CronfleetError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  /** The message by key, when it has one: worded per language in toBody(). */
  readonly text: LocalizedText | null;

  constructor(code: ErrorCode, message: string | LocalizedText, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(String(message), options);
    this.name = 'CronfleetError';
    this.code = code;
    this.details = details;
    this.text = message instanceof LocalizedText ? message : null;
  }

  get status(): number {
    return errorStatus[this.code];
  }

  /** The error body, its message in `locale` (English by default and for a message without a key). */
  toBody(locale: MessageLocale = 'en'): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.text ? this.text.in(locale) : this.message } };
    if (this.details) body.error.details = this.details;
    return body;
  }
}

/** Also true for errors from another copy of this module (the SDK's built JS, say). */
export function isCronfleetError(value: unknown): value is CronfleetError {
  return value instanceof CronfleetError || (value instanceof Error && value.name === 'CronfleetError' && typeof (value as { code?: unknown }).code === 'string');
}
