// The admin token: created on first start, printed once, kept in the data dir (0600).
// CRONFLEET_ADMIN_TOKEN (config admin_token) overrides it.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { createDataFile, readDataFile } from '../store/data-files.ts';
import { join } from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';

export function adminTokenPath(dataDir: string): string {
  return join(dataDir, ADMIN_TOKEN_FILE);
}

/** Returns the token and whether it was created now (so the caller prints it once). */
export function ensureAdminToken(dataDir: string, override: string | null): { token: string; created: boolean } {
  if (override) return { token: override, created: false };
  const path = adminTokenPath(dataDir);
  const stored = readDataFile(path);
  if (stored !== null) return { token: stored, created: false };
  mkdirSync(dataDir, { recursive: true });
  const token = `cf_${randomBytes(32).toString('base64url')}`;
  // An empty file (a write a full disk cut short) is replaced: never an empty token.
  if (existsSync(path)) unlinkSync(path);
  if (!createDataFile(path, `${token}\n`, 0o600)) return ensureAdminToken(dataDir, override);
  return { token, created: true };
}

/** Constant-time comparison of a presented token with the expected one. */
export function tokenMatches(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
