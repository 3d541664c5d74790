// Long-running child processes a test file starts (agents, `cronfleet up`, servers) are
// killed when the file's tests end, whatever happened in them. A child left running
// keeps its test file's process alive through its pipes, and with it the whole lane of
// `npm test` (CI, 3 December: an agent whose test failed before killing it held the
// SQLite lane for 15 minutes).
import type { ChildProcess } from 'node:child_process';
import { after } from 'node:test';

const living = new Set<ChildProcess>();

// Registered when a test file first imports this module, so on the file's root: it runs
// after every suite of the file.
after(() => {
  for (const child of living) child.kill('SIGKILL');
  living.clear();
});

/** Kills `child` after the file's tests unless it has exited by then. Returns it. */
export function killedAtEnd<T extends ChildProcess>(child: T): T {
  living.add(child);
  child.once('exit', () => living.delete(child));
  return child;
}
