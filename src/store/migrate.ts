// Runs append-only migrations on start. Kysely's Migrator holds the dialect's migration
// lock (advisory lock on PostgreSQL, GET_LOCK on MySQL, the single connection on SQLite),
// so several instances starting together migrate once.
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { CronfleetError } from '../protocol/errors.ts';
import type { DialectInfo } from './dialect.ts';
import type { Database } from './schema.ts';
import * as initial from './migrations/001-initial.ts';
import * as executorFleet from './migrations/002-executor-fleet.ts';
import * as clusterDelivery from './migrations/003-cluster-delivery.ts';
import * as security from './migrations/004-security.ts';
import * as secrets from './migrations/005-secrets.ts';
import * as stats from './migrations/006-stats.ts';
import * as usernames from './migrations/007-usernames.ts';
import * as executorCredentials from './migrations/008-executor-credentials.ts';
import * as callbackNonces from './migrations/009-callback-nonces.ts';
import * as executorTokenOwners from './migrations/010-executor-token-owners.ts';
import * as cronDialects from './migrations/011-cron-dialects.ts';
import * as queueAndDispatchTimeout from './migrations/012-queue-and-dispatch-timeout.ts';
import * as exactTaskNames from './migrations/013-exact-task-names.ts';
import * as retention from './migrations/014-retention.ts';
import * as errorDetail from './migrations/016-error-detail.ts';
import * as alertChannels from './migrations/017-alert-channels.ts';
import * as alertRules from './migrations/018-alert-rules.ts';
import * as taskPriority from './migrations/019-task-priority.ts';
import * as workflows from './migrations/020-workflows.ts';

const migrationList = [
  ['001-initial', initial],
  ['002-executor-fleet', executorFleet],
  ['003-cluster-delivery', clusterDelivery],
  ['004-security', security],
  ['005-secrets', secrets],
  ['006-stats', stats],
  ['007-usernames', usernames],
  ['008-executor-credentials', executorCredentials],
  ['009-callback-nonces', callbackNonces],
  ['010-executor-token-owners', executorTokenOwners],
  ['011-cron-dialects', cronDialects],
  ['012-queue-and-dispatch-timeout', queueAndDispatchTimeout],
  ['013-exact-task-names', exactTaskNames],
  ['014-retention', retention],
  ['016-error-detail', errorDetail],
  ['017-alert-channels', alertChannels],
  ['018-alert-rules', alertRules],
  ['019-task-priority', taskPriority],
  ['020-workflows', workflows],
] as const;

export const migrationNames: readonly string[] = migrationList.map(([name]) => name);

export async function migrate(db: Kysely<Database>, dialect: DialectInfo): Promise<void> {
  await refuseNewerDatabase(db);
  const migrations: Record<string, Migration> = {};
  for (const [name, module] of migrationList) {
    migrations[name] = { up: (kysely) => module.up(kysely, dialect.types) };
  }
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error: thrown, results } = await migrator.migrateToLatest();
  if (thrown) {
    // What the driver threw, handed back as unknown (an Error in practice).
    const error = thrown instanceof Error ? thrown : new Error(JSON.stringify(thrown));
    // No migration result at all: the database did not answer (or refused the lock).
    if (!results || results.length === 0) throw error;
    const failed = results.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new CronfleetError('unavailable', `database migration ${failed} failed: ${String(error)}`, { migration: failed }, { cause: error });
  }
}

async function refuseNewerDatabase(db: Kysely<Database>): Promise<void> {
  let applied: string[];
  try {
    const result = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
    applied = result.rows.map((row) => row.name);
  } catch {
    return; // no migration table yet: a new database
  }
  const unknown = applied.filter((name) => !migrationNames.includes(name)).sort();
  if (unknown.length > 0) {
    throw new CronfleetError('database_newer_than_code', `the database has migrations this version of cronfleet does not know (${unknown.join(', ')}); upgrade cronfleet before starting it on this database`, { unknown });
  }
}
