// Execution log chunks live in their own table, out of the execution row.
import type { Kysely } from 'kysely';
import type { DialectInfo } from './dialect.ts';
import { toNumber } from './json.ts';
import type { Database } from './schema.ts';

export interface LogChunk {
  seq: number;
  stream: 'stdout' | 'stderr' | 'system';
  chunk: string;
  createdAt: number;
}

export class LogRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: DialectInfo;

  constructor(db: Kysely<Database>, dialect: DialectInfo) {
    this.#db = db;
    this.#dialect = dialect;
  }

  /** Idempotent by (execution_id, seq): a chunk delivered twice is stored once. */
  async append(executionId: string, chunks: LogChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    const rows = chunks.map((chunk) => ({ execution_id: executionId, seq: chunk.seq, stream: chunk.stream, chunk: chunk.chunk, created_at: chunk.createdAt }));
    await this.#dialect.ignoreConflicts(this.#db.insertInto('execution_logs').values(rows) as never).execute();
  }

  /** The highest seq stored for an execution; 0 when it has no log yet. */
  async lastSeq(executionId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('execution_logs')
      .select((eb) => eb.fn.max<number>('seq').as('last'))
      .where('execution_id', '=', executionId)
      .executeTakeFirst();
    return toNumber(row?.last ?? 0);
  }

  async read(executionId: string, afterSeq: number, limit: number): Promise<LogChunk[]> {
    const rows = await this.#db
      .selectFrom('execution_logs')
      .select(['seq', 'stream', 'chunk', 'created_at'])
      .where('execution_id', '=', executionId)
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ seq: toNumber(row.seq), stream: row.stream as LogChunk['stream'], chunk: row.chunk, createdAt: toNumber(row.created_at) }));
  }
}
