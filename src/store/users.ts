// Users and their browser sessions. Passwords arrive here already hashed (api/passwords.ts);
// a session is stored under a hash of its cookie value. User names arrive normalised
// (domain/usernames.ts) and are looked up exactly: a row the database's collation calls
// equal (MariaDB: "alice " = "Alice" = "alice") is not the same name unless it is.
import type { Kysely } from 'kysely';
import { hashSecret } from './executor-tokens.ts';
import { toNullableNumber, toNumber } from './json.ts';
import type { Database, UsersTable } from './schema.ts';

export interface User {
  id: string;
  username: string;
  role: string;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
}

export interface Session {
  user: User;
  csrfToken: string;
  expiresAt: number;
}

export class UserRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** False when the user name is taken (as the database's unique index judges it). */
  async create(user: { id: string; username: string; passwordHash: string; role: string }, now: number): Promise<boolean> {
    try {
      await this.#db.insertInto('users').values({ id: user.id, username: user.username, password_hash: user.passwordHash, role: user.role, disabled: 0, created_at: now, updated_at: now, last_login_at: null }).execute();
      return true;
    } catch (error) {
      if ((await this.#rowsNamed(user.username)).length > 0) return false;
      throw error;
    }
  }

  /** False when another user has the name (as the database's unique index judges it). */
  async rename(id: string, username: string, now: number): Promise<boolean> {
    try {
      await this.#db.updateTable('users').set({ username, updated_at: now }).where('id', '=', id).execute();
      return true;
    } catch (error) {
      if ((await this.#rowsNamed(username)).some((row) => row.id !== id)) return false;
      throw error;
    }
  }

  /** Rows the database calls equal to a name: its collation may ignore case, accents or trailing spaces. */
  #rowsNamed(username: string): Promise<UsersTable[]> {
    return this.#db.selectFrom('users').selectAll().where('username', '=', username).execute();
  }

  /** The row with exactly this name, whatever the collation. */
  async #exactlyNamed(username: string): Promise<UsersTable | null> {
    return (await this.#rowsNamed(username)).find((row) => row.username === username) ?? null;
  }

  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return toNumber(row.n);
  }

  async list(): Promise<User[]> {
    return (await this.#db.selectFrom('users').selectAll().orderBy('username').execute()).map(rowToUser);
  }

  async get(id: string): Promise<User | null> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToUser(row) : null;
  }

  async byName(username: string): Promise<User | null> {
    const row = await this.#exactlyNamed(username);
    return row ? rowToUser(row) : null;
  }

  async passwordHash(username: string): Promise<{ user: User; passwordHash: string } | null> {
    const row = await this.#exactlyNamed(username);
    return row ? { user: rowToUser(row), passwordHash: row.password_hash } : null;
  }

  async passwordHashById(id: string): Promise<string | null> {
    const row = await this.#db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirst();
    return row?.password_hash ?? null;
  }

  async update(id: string, changes: { role?: string; passwordHash?: string; disabled?: boolean }, now: number): Promise<User | null> {
    const set: Partial<UsersTable> = { updated_at: now };
    if (changes.role !== undefined) set.role = changes.role;
    if (changes.passwordHash !== undefined) set.password_hash = changes.passwordHash;
    if (changes.disabled !== undefined) set.disabled = changes.disabled ? 1 : 0;
    await this.#db.updateTable('users').set(set).where('id', '=', id).execute();
    // A new password, a lower role or a disabled account ends every session at once.
    if (changes.passwordHash !== undefined || changes.disabled || changes.role !== undefined) await this.endSessions(id);
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    await this.endSessions(id);
    const result = await this.#db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  /** Active (not disabled) admins other than the given user. */
  async otherActiveAdmins(exceptId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('disabled', '=', 0)
      .where('id', '!=', exceptId)
      .executeTakeFirstOrThrow();
    return toNumber(row.n);
  }

  async startSession(sessionSecret: string, csrfToken: string, userId: string, now: number, expiresAt: number): Promise<void> {
    await this.#db
      .insertInto('sessions')
      .values({ id_hash: hashSecret(sessionSecret), user_id: userId, csrf_token: csrfToken, created_at: now, expires_at: expiresAt })
      .execute();
    await this.#db.updateTable('users').set({ last_login_at: now }).where('id', '=', userId).execute();
    await this.#db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  }

  /** The live session for a cookie value; its expiry slides forward when `extendTo` is later. */
  async session(sessionSecret: string, now: number, extendTo: number): Promise<Session | null> {
    const idHash = hashSecret(sessionSecret);
    const row = await this.#db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select(['sessions.csrf_token', 'sessions.expires_at as session_expires_at'])
      .where('sessions.id_hash', '=', idHash)
      .executeTakeFirst();
    if (!row || toNumber(row.session_expires_at) <= now || row.disabled) return null;
    let expiresAt = toNumber(row.session_expires_at);
    // Written at most once a minute per session, not on every request.
    if (extendTo - expiresAt > 60_000) {
      await this.#db.updateTable('sessions').set({ expires_at: extendTo }).where('id_hash', '=', idHash).execute();
      expiresAt = extendTo;
    }
    return { user: rowToUser(row), csrfToken: row.csrf_token, expiresAt };
  }

  async endSession(sessionSecret: string): Promise<void> {
    await this.#db.deleteFrom('sessions').where('id_hash', '=', hashSecret(sessionSecret)).execute();
  }

  async endSessions(userId: string): Promise<void> {
    await this.#db.deleteFrom('sessions').where('user_id', '=', userId).execute();
  }
}

function rowToUser(row: UsersTable): User {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    disabled: Boolean(row.disabled),
    createdAt: toNumber(row.created_at),
    updatedAt: toNumber(row.updated_at),
    lastLoginAt: toNullableNumber(row.last_login_at),
  };
}
