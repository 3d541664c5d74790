// Alert rules and the alerts they raise (issue 16; store/alert-rules.ts, store/alerts.ts).
// - alert_rules: which events of which tasks go to which channels, with throttling and a
//   mute window; lists are JSON.
// - alerts: one row per message to one channel, written before anything is sent (the
//   leader's sender sends from here, with retries); `dedupe_key` is unique, so the same
//   problem seen twice (a re-read after a crash) is one alert. Suppressed (throttled or
//   muted) alerts are rows too, so a re-read never sends what was held back.
// - alert_problems: per rule and subject (a task, an executor) whether a problem is open
//   and when it last alerted: throttling, and `recovered` closing it.
import type { Kysely } from 'kysely';
import type { ColumnTypes } from '../dialect.ts';

export async function up(db: Kysely<unknown>, types: ColumnTypes): Promise<void> {
  const { id, shortText, longText, bigint } = types;
  await db.schema
    .createTable('alert_rules')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('name', shortText, (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('events', longText, (c) => c.notNull())
    .addColumn('task_ids', longText, (c) => c.notNull())
    .addColumn('tags', longText, (c) => c.notNull())
    .addColumn('channel_ids', longText, (c) => c.notNull())
    .addColumn('consecutive_failures', 'integer')
    .addColumn('no_success_seconds', bigint)
    .addColumn('throttle_seconds', bigint, (c) => c.notNull())
    .addColumn('muted_until', bigint)
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('updated_at', bigint, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('alerts')
    .addColumn('id', id, (c) => c.primaryKey())
    .addColumn('dedupe_key', shortText, (c) => c.notNull().unique())
    .addColumn('rule_id', id, (c) => c.notNull())
    .addColumn('channel_id', id, (c) => c.notNull())
    .addColumn('event', shortText, (c) => c.notNull())
    .addColumn('task_id', id)
    .addColumn('execution_id', id)
    .addColumn('executor_id', id)
    .addColumn('status', shortText, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', bigint, (c) => c.notNull())
    .addColumn('claimed_until', bigint)
    .addColumn('response_status', 'integer')
    .addColumn('response', longText)
    .addColumn('created_at', bigint, (c) => c.notNull())
    .addColumn('sent_at', bigint)
    .execute();
  await db.schema.createIndex('alerts_due').on('alerts').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('alerts_created').on('alerts').columns(['created_at']).execute();
  await db.schema.createIndex('alerts_task').on('alerts').columns(['task_id', 'created_at']).execute();
  await db.schema
    .createTable('alert_problems')
    .addColumn('rule_id', id, (c) => c.notNull())
    .addColumn('subject', shortText, (c) => c.notNull())
    .addColumn('opened_at', bigint)
    .addColumn('last_alert_at', bigint)
    .addPrimaryKeyConstraint('alert_problems_pk', ['rule_id', 'subject'])
    .execute();
}
