// SQLite keeps each prepared statement's compiled program in native memory until V8
// collects the statement object (node:sqlite has no finalize), and every length of an
// `in (?, ?, …)` list is a statement of its own. A server with 1,000 executors asked for
// the runs of every connected executor with a list as long as the fleet, so each connect
// prepared another program of up to 1,000 parameters: 200 MB of malloc'd memory held
// until a full GC (bench/results/footprint-sqlite-executors-2026-12-03.json).
//
// So the SQLite driver pads every `in` / `not in` list of more than 8 values to the next
// power of two by repeating its last value, which changes no result: a query site then
// has a handful of shapes, which the statement cache keeps. It works on the compiled SQL
// (Kysely writes a list as `in (?, ?, ?)`): a plugin rewriting every query's tree cost
// about 2 % of a busy server's time, this a string search on most queries.

const SMALLEST_PADDED = 8;
/** A list longer than SMALLEST_PADDED: the cheap test that skips most queries. */
const LONG_LIST = `(${Array<string>(SMALLEST_PADDED + 1)
  .fill('?')
  .join(', ')}`;
/** A placeholder list after `in`, or a single placeholder elsewhere. */
const PLACEHOLDERS = / in \((\?(?:, \?)*)\)|\?/g;

export interface Query {
  sql: string;
  parameters: readonly unknown[];
}

/** The query with its long `in` lists padded; the same query when it has none (or its placeholders cannot be told apart). */
export function padInLists(query: Query): Query {
  if (!query.sql.includes(LONG_LIST)) return query;
  const parameters: unknown[] = [];
  let used = 0;
  const sql = query.sql.replace(PLACEHOLDERS, (match: string, list: string | undefined) => {
    if (list === undefined) {
      parameters.push(query.parameters[used++]);
      return match;
    }
    const length = (list.length + 2) / 3; // "?, " per value but the last
    const values = query.parameters.slice(used, used + length);
    used += length;
    const size = length <= SMALLEST_PADDED ? length : 2 ** Math.ceil(Math.log2(length));
    parameters.push(...values, ...Array<unknown>(size - length).fill(values.at(-1)));
    return size === length ? match : ` in (${Array<string>(size).fill('?').join(', ')})`;
  });
  // A `?` inside a string literal would shift every value after it: then leave the query as it is.
  return used === query.parameters.length ? { sql, parameters } : query;
}
