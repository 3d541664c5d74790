// The one door to a store's Kysely handle from outside src/store/: for tests and
// benchmarks that write rows no store method writes (a broken cron expression, a clock
// far behind, a million executions). scripts/check-imports.ts lets only store.ts, test/
// and bench/ import this file, so the layers above the store keep to its methods.
import type { Kysely } from 'kysely';
import type { DialectInfo } from './dialect.ts';
import type { Database } from './schema.ts';

export interface RawDatabase {
  db: Kysely<Database>;
  dialect: DialectInfo;
}

// Keyed by the store object (typed `object` so that this file need not import store.ts,
// which imports it): a store forgotten by its owner is forgotten here too.
const handles = new WeakMap<object, RawDatabase>();

/** Called by the Store constructor. */
export function recordRawDatabase(store: object, handle: RawDatabase): void {
  handles.set(store, handle);
}

export function rawDatabase(store: object): RawDatabase {
  const handle = handles.get(store);
  if (!handle) throw new Error('rawDatabase: not a Store opened by Store.open');
  return handle;
}
