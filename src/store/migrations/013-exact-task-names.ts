// Task names may use the letters of any script now (issue 14), and the unique index on
// live_name decides which names are "the same". SQLite and PostgreSQL compare the stored
// text exactly; MariaDB's default collation (utf8mb4_general_ci) ignores case and accents
// and weighs every character outside the Basic Multilingual Plane alike, so `Backup` and
// `backup`, `café` and `cafe`, or two rare CJK ideographs (𠀀任务 and 𠀁任务) would be one
// name there only. A binary collation makes MariaDB compare as the others do: names are
// unique exactly, after the API composes them (NFC). Only live_name changes: `name` keeps
// the database's collation for sorting. Nothing changes on SQLite or PostgreSQL.
import { MysqlAdapter, sql, type Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, _types: ColumnTypes): Promise<void> {
  if (!(db.getExecutor().adapter instanceof MysqlAdapter)) return;
  await sql`alter table tasks modify live_name varchar(255) character set utf8mb4 collate utf8mb4_bin null`.execute(db);
}
