// The example request bodies of seed 001 §5 and DESIGN.md §7, exactly as written there.

/** Seed 001's create body: names no command, so it is a handler task named after itself. */
export const seedCreateBody = {
  name: 'data_sync_task',
  cron_expression: '0 */5 * * * *',
  execution_mode: 'sequential',
  load_balance_strategy: 'round_robin',
  max_retry: 3,
  timeout_seconds: 600,
  parameters: { source: 'database_a', target: 'database_b' },
};

/** DESIGN.md §7's command task body. */
export const designCommandBody = {
  name: 'data_sync_task',
  cron_expression: '0 */5 * * * *',
  timezone: 'Asia/Shanghai',
  type: 'command',
  command: '/usr/bin/env',
  args: ['echo', 'hello'],
  shell: false,
  env: { MODE: 'full' },
  execution_mode: 'sequential',
  load_balance_strategy: 'round_robin',
  executor_labels: { zone: 'a' },
  max_retry: 3,
  timeout_seconds: 600,
  misfire_policy: 'run_once',
  parameters: { source: 'database_a', target: 'database_b' },
};
