// A user name is one identity however it was typed: "alice", "alice ", "ALICE" and a
// decomposed (NFD) spelling are the same person. Names are normalised once, by this one
// function, wherever one enters the system (creation, rename, sign-in, the CLI's
// lookups), so that everything keyed on a name — the store's unique index, the sign-in
// rate limit, the audit log — sees a single value. Databases must never be left to
// decide equality: MariaDB's default collation ignores trailing spaces and case (and
// accents), so a name the limiter counted apart could still sign in as someone else.

import { text, type LocalizedText } from '../protocol/messages/index.ts';

/** Longest name, in characters, after normalising. */
const USERNAME_MAX_LENGTH = 64;

/** Trimmed (Unicode white space), composed (NFC) and lower-cased; composed again, as lower-casing can decompose. */
export function normalizeUsername(raw: string): string {
  return raw.trim().normalize('NFC').toLowerCase().normalize('NFC');
}

/** Why a normalised name cannot be used, or null when it can. */
export function usernameProblem(normalized: string): LocalizedText | null {
  if (normalized.length === 0) return text('user.nameEmpty');
  // Control, format (zero-width, bidi) and separator characters make names that look alike.
  if (/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u.test(normalized)) return text('user.nameControl');
  if ([...normalized].length > USERNAME_MAX_LENGTH) return text('user.nameLength', { max: USERNAME_MAX_LENGTH });
  if (!/^[\p{L}\p{M}\p{N}_.@-]+$/u.test(normalized)) return text('user.nameRule');
  return null;
}
