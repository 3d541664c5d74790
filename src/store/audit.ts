// The audit log: who changed what, when, and the state before and after.
import type { Kysely } from 'kysely';
import { fromJson, toJson, toNumber } from './json.ts';
import type { Database } from './schema.ts';

export interface AuditEntry {
  id: string;
  at: number;
  actor: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
}

export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
  page: number;
  pageSize: number;
}

export class AuditRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async record(entry: AuditEntry): Promise<void> {
    await this.#db
      .insertInto('audit_log')
      .values({
        id: entry.id,
        at: entry.at,
        actor: entry.actor,
        action: entry.action,
        resource_type: entry.resourceType,
        resource_id: entry.resourceId,
        before_state: entry.before === null || entry.before === undefined ? null : toJson(entry.before),
        after_state: entry.after === null || entry.after === undefined ? null : toJson(entry.after),
        ip: entry.ip,
      })
      .execute();
  }

  async list(filter: AuditFilter): Promise<{ items: AuditEntry[]; total: number }> {
    let query = this.#db.selectFrom('audit_log');
    if (filter.actor) query = query.where('actor', '=', filter.actor);
    if (filter.action) query = query.where('action', '=', filter.action);
    if (filter.resourceType) query = query.where('resource_type', '=', filter.resourceType);
    if (filter.resourceId) query = query.where('resource_id', '=', filter.resourceId);
    const count = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await query
      .selectAll()
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize)
      .execute();
    return {
      total: toNumber(count.n),
      items: rows.map((row) => ({
        id: row.id,
        at: toNumber(row.at),
        actor: row.actor,
        action: row.action,
        resourceType: row.resource_type,
        resourceId: row.resource_id,
        before: fromJson(row.before_state, null),
        after: fromJson(row.after_state, null),
        ip: row.ip,
      })),
    };
  }
}
