// The terminal write of executions: pending|running → a terminal status, for many
// executions at once (the ends a busy link reports in one turn of the event loop, written
// by dispatch/finish-writes.ts). Guarantees:
//
// - an execution moves only from pending or running (the guard is in the statement, or
//   in the locking read before it), so of racing writers exactly one ends it and a late
//   one changes nothing;
// - each row sets only the columns it defines, as it would alone: the others keep their
//   value (a start time only when known);
// - all rows are written or none: one statement, or one transaction when they need more;
// - the answer is the set of ids this call moved, read from the database, never guessed.
//
// Of several rows for one id, the first is written: the later ones could not have won
// anyway (the first one's write ends the execution, or it had already ended).
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { FinishStatus } from '../domain/execution.ts';
import type { LocalizedText } from '../protocol/messages/index.ts';
import type { DialectInfo } from './dialect.ts';
import { storableText, toJson } from './json.ts';
import type { Database } from './schema.ts';

export interface FinishFields {
  exitCode?: number | null;
  result?: unknown;
  error?: string | null;
  /** The message `error` was worded from (stored with it; null for free text). */
  errorDetail?: LocalizedText | null;
  reason?: string | null;
  startTime?: number | null;
}

export interface FinishRow {
  id: string;
  status: FinishStatus;
  /** When it ended, by the server's clock. */
  endTime: number;
  fields: FinishFields;
}

/**
 * Rows per statement. Each column set row by row costs two parameters a row (`when ? then
 * ?`): 200 rows stay far below the smallest limit of the three databases (SQLite's 32,766).
 */
const ROWS_PER_STATEMENT = 200;

/** Lists of `when … then …` up to this long are written as they are; longer ones are padded (see `byId`). */
const SMALLEST_PADDED = 8;

const OPEN = ['pending', 'running'];

type Db = Kysely<Database> | Transaction<Database>;

/** Ends the executions of `rows` that are still pending or running; returns the ids it ended. */
export async function finishExecutions(db: Kysely<Database>, dialect: DialectInfo, rows: readonly FinishRow[], now: number): Promise<Set<string>> {
  const first = new Map<string, FinishRow>();
  for (const row of rows) if (!first.has(row.id)) first.set(row.id, row);
  const unique = [...first.values()];
  if (unique.length === 0) return new Set();
  if (unique.length === 1) {
    // One row: the count of rows updated tells whether it won, on every database.
    const result = await finishUpdate(db, dialect, unique, now).where('status', 'in', OPEN).executeTakeFirst();
    return new Set(Number(result.numUpdatedRows) === 1 ? [unique[0]!.id] : []);
  }
  const chunks: FinishRow[][] = [];
  for (let start = 0; start < unique.length; start += ROWS_PER_STATEMENT) chunks.push(unique.slice(start, start + ROWS_PER_STATEMENT));
  if (chunks.length === 1 && dialect.supportsReturning) return finishReturning(db, dialect, chunks[0]!, now);
  return db.transaction().execute(async (trx) => {
    const finished = new Set<string>();
    for (const chunk of chunks) {
      const ids = dialect.supportsReturning ? await finishReturning(trx, dialect, chunk, now) : await finishLocked(trx, dialect, chunk, now);
      for (const id of ids) finished.add(id);
    }
    return finished;
  });
}

/** One guarded UPDATE that names the rows it moved (PostgreSQL, SQLite). */
async function finishReturning(db: Db, dialect: DialectInfo, rows: readonly FinishRow[], now: number): Promise<Set<string>> {
  const moved = await finishUpdate(db, dialect, rows, now).where('status', 'in', OPEN).returning('id').execute();
  return new Set(moved.map((row) => row.id));
}

/**
 * Where an UPDATE cannot name its rows (MySQL, MariaDB): the rows are read and locked, then
 * those still open are updated, inside the caller's transaction. The read goes by id alone:
 * with the status in its WHERE, InnoDB may walk the status index instead, whose gap locks
 * deadlock with concurrent inserts (see DialectInfo.lockingReadsLockGaps). The UPDATE
 * needs no guard of its own for the same reason: the rows it names are locked open.
 */
async function finishLocked(trx: Transaction<Database>, dialect: DialectInfo, rows: readonly FinishRow[], now: number): Promise<Set<string>> {
  let read = trx
    .selectFrom('executions')
    .select(['id', 'status'])
    .where(
      'id',
      'in',
      rows.map((row) => row.id),
    );
  if (dialect.supportsForUpdate) read = read.forUpdate();
  const open = new Set((await read.execute()).filter((row) => OPEN.includes(row.status)).map((row) => row.id));
  if (open.size > 0)
    await finishUpdate(
      trx,
      dialect,
      rows.filter((row) => open.has(row.id)),
      now,
    ).execute();
  return open;
}

/**
 * The UPDATE of `rows`, without its guard. A column every row sets to one value is one
 * parameter; a column some rows set, or to different values, is `case id when … then … else
 * <column> end`, so a row that does not set it keeps its value. (No `else` would set it null.)
 */
function finishUpdate(db: Db, dialect: DialectInfo, rows: readonly FinishRow[], now: number) {
  const stored = rows.map(storedValues);
  const column = <C extends keyof StoredValues>(name: C): Stored<C> | RawBuilder<Stored<C>> | undefined => {
    const values: Array<[string, Stored<C>]> = [];
    stored.forEach((row, index) => {
      const value = row[name];
      if (value !== undefined) values.push([rows[index]!.id, value as Stored<C>]);
    });
    if (values.length === 0) return undefined;
    if (values.length === rows.length && values.every(([, value]) => value === values[0]![1])) return values[0]![1];
    return byId(name, values, dialect);
  };
  return db
    .updateTable('executions')
    .set({
      status: column('status'),
      end_time: column('end_time'),
      updated_at: now,
      exit_code: column('exit_code'),
      result: column('result'),
      error: column('error'),
      error_detail: column('error_detail'),
      reason: column('reason'),
      start_time: column('start_time'),
    })
    .where(
      'id',
      'in',
      rows.map((row) => row.id),
    );
}

/**
 * `case id when ? then ? … else <column> end`. On SQLite every length of this list is a
 * statement of its own, whose compiled program node:sqlite keeps until V8 collects it (see
 * padded-in-lists.ts): a list longer than 8 is padded to the next power of two by repeating
 * its last pair, which changes nothing (the first `when` that matches wins), so a busy
 * server prepares a handful of shapes rather than one per batch size.
 */
function byId<V extends string | number | null>(column: keyof StoredValues, values: ReadonlyArray<[string, V]>, dialect: DialectInfo): RawBuilder<V> {
  const size = values.length <= SMALLEST_PADDED ? values.length : 2 ** Math.ceil(Math.log2(values.length));
  const padded = [...values, ...Array<[string, V]>(size - values.length).fill(values.at(-1)!)];
  // PostgreSQL types a bare parameter in `then` as text unless told otherwise.
  const parameter = (value: V) => (typeof value === 'number' ? dialect.bigintParameter(value) : sql`${value}`);
  return sql<V>`case id ${sql.join(
    padded.map(([id, value]) => sql`when ${id} then ${parameter(value)}`),
    sql` `,
  )} else ${sql.ref(column)} end`;
}

interface StoredValues {
  status: string;
  end_time: number;
  exit_code?: number | null;
  result?: string;
  error?: string | null;
  error_detail?: string | null;
  reason?: string | null;
  start_time?: number;
}

/** A column's value as stored, when a row sets it. */
type Stored<C extends keyof StoredValues> = Exclude<StoredValues[C], undefined>;

/** The columns a row sets, as stored: only the fields it defines, a start time only when known. */
function storedValues(row: FinishRow): StoredValues {
  const { fields } = row;
  return {
    status: row.status,
    end_time: row.endTime,
    ...(fields.exitCode !== undefined ? { exit_code: fields.exitCode } : {}),
    ...(fields.result !== undefined ? { result: toJson(fields.result) } : {}),
    ...(fields.error !== undefined ? { error: fields.error === null ? null : storableText(fields.error) } : {}),
    ...(fields.errorDetail !== undefined ? { error_detail: fields.errorDetail === null ? null : toJson(fields.errorDetail) } : {}),
    ...(fields.reason !== undefined ? { reason: fields.reason === null ? null : storableText(fields.reason) } : {}),
    ...(fields.startTime !== undefined && fields.startTime !== null ? { start_time: fields.startTime } : {}),
  };
}
