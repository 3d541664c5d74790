// Secrets at rest: AES-256-GCM under one key per cluster.
//
// A sealed value is the text `v1:<key id>:<iv>:<tag>:<ciphertext>` (each part base64url):
// a fresh random 12-byte IV per value, the 16-byte GCM tag, and the id of the key that
// sealed it (the first 8 bytes of its fingerprint), so a value sealed under another key
// is refused with a message that says so instead of a bare authentication failure.
//
// The key comes from config `secret_key` (CRONFLEET_SECRET_KEY: base64 of 32 bytes); when
// none is configured, one is generated in the data dir (`secret-key`, mode 0600) — enough
// for a single instance. Every instance of a cluster must share it: the first instance
// records the key's fingerprint (an HMAC of a constant, which reveals nothing about the
// key) in the `settings` table and an instance whose key differs refuses to start.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { CronfleetError } from '../protocol/errors.ts';
import { createDataFile, readDataFile } from './data-files.ts';
import type { DialectInfo } from './dialect.ts';
import type { Database } from './schema.ts';

const SECRET_KEY_FILE = 'secret-key';
const KEY_BYTES = 32;
const IV_BYTES = 12;
/** The settings row that holds the fingerprint of the key the database's secrets are sealed with. */
export const FINGERPRINT_SETTING = 'secret_key_fingerprint';
const SEALED_PREFIX = 'v1:';

/** What opens a sealed value: the cipher itself, injected where secrets are opened or masked. */
export interface SecretOpener {
  open(sealed: string): string;
}

export class SecretCipher implements SecretOpener {
  readonly #key: Buffer;
  /** HMAC-SHA256(key, constant), hex: safe to store and compare, says nothing of the key. */
  readonly fingerprint: string;
  readonly keyId: string;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`a secret key is ${KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
    this.fingerprint = createHmac('sha256', this.#key).update('cronfleet secret key fingerprint v1').digest('hex');
    this.keyId = Buffer.from(this.fingerprint.slice(0, 16), 'hex').toString('base64url');
  }

  seal(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${SEALED_PREFIX}${this.keyId}:${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ciphertext.toString('base64url')}`;
  }

  open(sealed: string): string {
    const parts = sealed.split(':');
    if (parts.length !== 5 || parts[0] !== 'v1') throw new CronfleetError('internal', 'a stored secret is not in the v1 sealed format');
    const [, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
    if (keyId !== this.keyId) {
      throw new CronfleetError('internal', `a stored secret was sealed with another secret key (id ${keyId}); set the secret_key that sealed it`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/**
 * The configured key (base64 of 32 bytes), else the data dir's, created on first use.
 * `created` tells the caller to warn that a cluster needs a configured key.
 */
export function loadSecretKey(configured: string | null, dataDir: string): { cipher: SecretCipher; created: boolean } {
  if (configured !== null && configured !== '') return { cipher: new SecretCipher(decodeKey(configured, 'secret_key (CRONFLEET_SECRET_KEY)')), created: false };
  const path = join(dataDir, SECRET_KEY_FILE);
  const stored = readDataFile(path);
  if (stored !== null) return { cipher: new SecretCipher(decodeKey(stored, path)), created: false };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(KEY_BYTES);
  // An empty file (a write a full disk cut short) is replaced: that key was never used.
  if (existsSync(path)) unlinkSync(path);
  if (!createDataFile(path, `${key.toString('base64')}\n`, 0o600)) return loadSecretKey(configured, dataDir);
  return { cipher: new SecretCipher(key), created: true };
}

/** The key in force (configured, else the data dir's) without creating one; null when there is none yet. */
export function readSecretKey(configured: string | null, dataDir: string): SecretCipher | null {
  if (configured !== null && configured !== '') return new SecretCipher(decodeKey(configured, 'secret_key (CRONFLEET_SECRET_KEY)'));
  const path = join(dataDir, SECRET_KEY_FILE);
  const stored = readDataFile(path);
  return stored === null ? null : new SecretCipher(decodeKey(stored, path));
}

function decodeKey(text: string, source: string): Buffer {
  // Node's base64 decoder also reads the URL-safe alphabet; anything else is refused first.
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (key.length !== KEY_BYTES) {
    throw new CronfleetError('invalid_config', `${source} must be the base64 of exactly ${KEY_BYTES} random bytes (e.g. the output of "openssl rand -base64 32"); got ${key.length} bytes`, { field: 'secret_key' });
  }
  return key;
}

/**
 * Records the key's fingerprint on first use and refuses a key that differs from the
 * recorded one. The insert ignores a conflict, so instances starting together agree on
 * whichever key was recorded first.
 */
export async function assertClusterKey(db: Kysely<Database>, dialect: DialectInfo, cipher: SecretCipher, now: number): Promise<void> {
  await dialect.ignoreConflicts(db.insertInto('settings').values({ name: FINGERPRINT_SETTING, value: cipher.fingerprint, updated_at: now }) as never).execute();
  const row = await db.selectFrom('settings').select('value').where('name', '=', FINGERPRINT_SETTING).executeTakeFirstOrThrow();
  const stored = Buffer.from(row.value);
  const mine = Buffer.from(cipher.fingerprint);
  if (stored.length !== mine.length || !timingSafeEqual(stored, mine)) {
    throw new CronfleetError('invalid_config', "this instance's secret key differs from the one the database's secrets are sealed with: set the same secret_key (CRONFLEET_SECRET_KEY) on every instance of the cluster", {
      field: 'secret_key',
    });
  }
}
