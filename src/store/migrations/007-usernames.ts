// User names are normalised (domain/usernames.ts: trimmed, NFC, lower case) from now on;
// this brings the names stored before into the same form, so "Alice" signs in as
// "alice". Two stored names that normalise to the same one ("Alice" and "alice" on
// SQLite or PostgreSQL) are both left as they are, with a warning: no user is lost or
// merged, and an admin renames one of them. A name that normalises to something
// unusable is left too.
import type { Kysely } from 'kysely';
import { normalizeUsername, usernameProblem } from '../../domain/usernames.ts';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, _types: ColumnTypes): Promise<void> {
  // The schema as it is at this migration: only what this step reads and writes.
  const users = db as unknown as Kysely<{ users: { id: string; username: string } }>;
  const rows = await users.selectFrom('users').select(['id', 'username']).execute();
  const holders = new Map<string, number>();
  for (const row of rows) {
    const normalized = normalizeUsername(row.username);
    holders.set(normalized, (holders.get(normalized) ?? 0) + 1);
  }
  for (const row of rows) {
    const normalized = normalizeUsername(row.username);
    if (normalized === row.username) continue;
    if ((holders.get(normalized) ?? 0) > 1 || usernameProblem(normalized) !== null) {
      process.emitWarning(
        `user name '${row.username}' (id ${row.id}) was left as it is: ${(holders.get(normalized) ?? 0) > 1 ? `another user's name also normalises to '${normalized}'` : `'${normalized}' is not a usable name`}; rename it (PUT /api/v1/users/${row.id})`,
        { code: 'CRONFLEET_USERNAME_NOT_NORMALISED' },
      );
      continue;
    }
    await users.updateTable('users').set({ username: normalized }).where('id', '=', row.id).execute();
  }
}
