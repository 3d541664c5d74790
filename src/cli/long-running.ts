// Which calls of `cronfleet` run until stopped: a server (`up`, `server`) or an agent
// (`executor` without a subcommand). The others are CLI calls that end when answered.

/** Whether the arguments (after `cronfleet`) start a server or an agent. */
export function isLongRunning(args: readonly string[]): boolean {
  const [first, second] = args;
  return first === 'up' || first === 'server' || (first === 'executor' && !['ls', 'drain', 'resume', 'rm'].includes(second ?? ''));
}
