// Password hashing with scrypt (memory-hard): N=2^15, r=8, p=1 uses 32 MiB per hash.
// Stored as `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` so the cost can be raised later.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { text, type LocalizedText } from '../protocol/messages/index.ts';

const LOG_N = 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  const maxmem = 256 * (options.N ?? 1) * (options.r ?? 8) + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...options, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N: 2 ** LOG_N, r: R, p: P });
  return ['scrypt', LOG_N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

// A hash nobody's password matches, checked when the user does not exist, so a
// login for an unknown name costs as long as a wrong password.
const dummy = hashPassword(randomBytes(16).toString('hex'));

/** Constant-time check of a password against a stored hash; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = (stored ?? (await dummy)).split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every(Number.isInteger) || logN < 10 || logN > 20) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await derive(password, salt, { N: 2 ** logN, r, p });
  return stored !== null && key.length === expected.length && timingSafeEqual(key, expected);
}

/** Rules every new password must pass; the message names what is wrong. */
export function passwordProblem(password: string): LocalizedText | null {
  if (password.length < 10) return text('password.tooShort');
  if (password.length > 256) return text('password.tooLong');
  return null;
}

/** A random password for a new account, shown once. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
