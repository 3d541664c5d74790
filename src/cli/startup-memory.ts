// Hands back what a process's start left behind. Loading a server's modules, migrating
// and building its routes makes tens of MB of short-lived garbage; V8 grows its young
// generation for it (to 64 MB here) and keeps the pages while the process idles, so an
// idle server stayed near 200 MB of which a quarter held nothing (issue 17, footprint).
// One full collection that also shrinks the young generation, at the end of the start,
// returns them: a single pause of tens of milliseconds before any work has come in.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/** Collects the start's garbage and shrinks the heap; returns the pause in ms. */
export function releaseStartupMemory(): number {
  // --expose-gc only long enough to take the collector from a fresh context: no global gc
  // is left in this process's own context for any module to find.
  setFlagsFromString('--expose-gc');
  const collect = runInNewContext('gc') as Collect;
  setFlagsFromString('--no-expose-gc');
  const started = performance.now();
  collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return Math.round(performance.now() - started);
}
