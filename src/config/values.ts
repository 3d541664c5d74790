// Value checks shared by the config loader and the agent's flags, without the config
// loader's YAML parser (the agent process stays small).
import { CronfleetError } from '../protocol/errors.ts';

export function configError(key: string, message: string, origin?: string): CronfleetError {
  return new CronfleetError('invalid_config', `invalid config ${key}${origin && origin !== 'default' ? ` (from ${origin})` : ''}: ${message}`, { key });
}

/** Labels as a mapping, or `k=v,k2=v2` from env and flags. */
export function parseLabels(raw: unknown, key = 'labels', origin = 'default'): Record<string, string> {
  if (typeof raw === 'string') {
    const labels: Record<string, string> = {};
    for (const pair of raw
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)) {
      const at = pair.indexOf('=');
      if (at <= 0) throw configError(key, `labels look like zone=a,gpu=true; '${pair}' has no '='`, origin);
      labels[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
    }
    return labels;
  }
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, String(value)]));
  }
  throw configError(key, 'must be a mapping of label names to values', origin);
}

/** log_format / --log-format: JSON lines, readable text, or text only on a terminal. */
export const logFormats = ['auto', 'json', 'pretty'] as const;
export type LogFormat = (typeof logFormats)[number];

/**
 * role / --role (seed 004's monitor-only deployment): `all` does everything; `api` serves
 * the API and the console and never takes the leader lease; `scheduler` takes part in the
 * election and serves only what executors and probes use.
 */
export const serverRoles = ['all', 'api', 'scheduler'] as const;
export type ServerRole = (typeof serverRoles)[number];
