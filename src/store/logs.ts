// Execution log chunks live in their own table, out of the execution row. The values
// of an execution's secrets never reach it: append masks them first.
import type { Kysely } from 'kysely';
import { maskSecretText, sealedParameters } from '../domain/secrets.ts';
import type { DialectInfo } from './dialect.ts';
import { fromJson, storableText, toNumber } from './json.ts';
import type { SecretMasker } from './secret-masker.ts';
import type { Database } from './schema.ts';

export interface LogChunk {
  seq: number;
  stream: 'stdout' | 'stderr' | 'system';
  chunk: string;
  createdAt: number;
}

const SPLIT_SECRET_MIN_CHARS = 4;
const SECRETS_CACHED = 1000;

export class LogRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: DialectInfo;
  /** The opened secret values of executions that logged lately (bounded; memory only). */
  readonly #secrets = new Map<string, string[]>();
  readonly #masker: SecretMasker;

  constructor(db: Kysely<Database>, dialect: DialectInfo, masker: SecretMasker) {
    this.#db = db;
    this.#dialect = dialect;
    this.#masker = masker;
  }

  /**
   * Idempotent by (execution_id, seq): a chunk delivered twice is stored once. The
   * values of the execution's secrets (its parameters', its task's env and headers) are
   * replaced by ****** — also the part of one that a chunk ends or starts with, when
   * that part is 4 characters or more, so a value split across two chunks is not stored
   * whole in the two halves (a split leaving 1–3 characters on one side shows those).
   */
  async append(executionId: string, chunks: LogChunk[]): Promise<void> {
    if (chunks.length === 0) return;
    const secrets = await this.#secretsOf(executionId);
    const rows = chunks.map((chunk) => ({
      execution_id: executionId,
      seq: chunk.seq,
      stream: chunk.stream,
      chunk: storableText(secrets.length === 0 ? chunk.chunk : maskSecretText(chunk.chunk, secrets, SPLIT_SECRET_MIN_CHARS)),
      created_at: chunk.createdAt,
    }));
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
    const rows = await this.#db.selectFrom('execution_logs').select(['seq', 'stream', 'chunk', 'created_at']).where('execution_id', '=', executionId).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map((row) => ({ seq: toNumber(row.seq), stream: row.stream as LogChunk['stream'], chunk: row.chunk, createdAt: toNumber(row.created_at) }));
  }

  async #secretsOf(executionId: string): Promise<string[]> {
    const cached = this.#secrets.get(executionId);
    if (cached) return cached;
    const row = await this.#db.selectFrom('executions').innerJoin('tasks', 'tasks.id', 'executions.task_id').select(['executions.parameters', 'tasks.spec']).where('executions.id', '=', executionId).executeTakeFirst();
    const sealed = row ? [...sealedParameters(fromJson(row.parameters, {})).values(), ...sealedParameters(fromJson(row.spec, {})).values()] : [];
    const secrets = this.#masker.open(sealed);
    if (this.#secrets.size >= SECRETS_CACHED) this.#secrets.delete(this.#secrets.keys().next().value!);
    this.#secrets.set(executionId, secrets);
    return secrets;
  }
}
