// The options of `cronfleet executor` (running an agent), defined once: the full CLI builds
// its commander command and help from them (executor-commands.ts), and an agent's start
// reads them without loading commander at all (agent-args.ts).

export interface ExecutorOption {
  /** As commander takes it: `-c, --config <file>`, `--allow-link-local`. */
  flags: string;
  description: string;
  /** Given more than once, its values add up into a list. */
  repeatable?: boolean;
}

export const EXECUTOR_OPTIONS: readonly ExecutorOption[] = [
  { flags: '-c, --config <file>', description: 'YAML file of these settings, keys as in README "Executor settings" (default ./cronfleet-executor.yaml when present); flags > CRONFLEET_* > file' },
  { flags: '--server <urls>', description: 'server URL(s), comma separated; fails over between them (env CRONFLEET_SERVER)' },
  { flags: '--token <token>', description: 'executor token from `cronfleet executor-token create` (env CRONFLEET_EXECUTOR_TOKEN)' },
  { flags: '--name <name>', description: 'executor name (env CRONFLEET_EXECUTOR_NAME; default: the host name)' },
  { flags: '--instance-id <id>', description: 'stable identity across restarts, bound to the first token that connects with it (env CRONFLEET_EXECUTOR_INSTANCE_ID; default: <hostname>:<name>)' },
  { flags: '--labels <k=v,...>', description: 'labels tasks can select, e.g. zone=a,gpu=true (env CRONFLEET_LABELS)' },
  { flags: '--capacity <n>', description: 'executions at once (env CRONFLEET_CAPACITY; default 4)' },
  { flags: '--ca <file>', description: 'CA certificate (PEM) to trust, besides the system CAs, for https/wss servers with a private CA (env CRONFLEET_CA)' },
  {
    flags: '--runner <module>',
    description: 'add a runner from a module whose default export is a Runner (repeatable; replaces a built-in runner of the same type; env CRONFLEET_RUNNERS, comma separated)',
    repeatable: true,
  },
  {
    flags: '--allow-command <glob>',
    description: 'only run command/script tasks whose program (absolute path, after PATH lookup) matches; repeatable; shell tasks need /bin/sh allowed (env CRONFLEET_ALLOW_COMMANDS, comma separated)',
    repeatable: true,
  },
  { flags: '--run-as <user>', description: 'run command and script processes as this user; needs root (env CRONFLEET_RUN_AS)' },
  { flags: '--max-timeout <seconds>', description: "ceiling on tasks' timeouts; longer ones are clamped (env CRONFLEET_MAX_TIMEOUT)" },
  { flags: '--max-memory <MB>', description: 'memory limit per command/script process (ulimit -v) and per container (docker --memory) (env CRONFLEET_MAX_MEMORY)' },
  { flags: '--max-output <bytes>', description: 'output kept per execution: the first 2/3 and the last 1/3 (env CRONFLEET_MAX_OUTPUT; default 786432)' },
  { flags: '--data-dir <dir>', description: 'where this executor records the process groups of its runs, so its next start kills what a crash left running (env CRONFLEET_DATA_DIR; default ./data)' },
  { flags: '--allow-link-local', description: 'let HTTP tasks reach link-local and cloud-metadata addresses such as 169.254.169.254 (env CRONFLEET_ALLOW_LINK_LOCAL=true)' },
  { flags: '--log-format <format>', description: 'auto|json|pretty: JSON lines, or text; auto is text on a terminal (env CRONFLEET_LOG_FORMAT; default auto)' },
];
