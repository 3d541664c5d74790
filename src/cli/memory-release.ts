// Hands back memory a process no longer uses. V8 grows its heap for a burst of work (a
// start's module loading and migrations, 100,000 tasks created through the API) and keeps
// the pages while the process then idles: an idle server that had just been given
// 100,000 tasks stayed near 190 MB, of which a heap snapshot found 37 MB alive (issue 17,
// footprint). A full collection that also shrinks the heap returns them; it pauses the
// process for tens of milliseconds, so it runs only at the end of a start, before any work
// has come in, and when a server has been idle for a while after its heap grew.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let collect: Collect | null = null;

/** Collects all garbage and shrinks the heap; returns the pause in ms. */
export function releaseMemory(): number {
  if (!collect) {
    // --expose-gc only long enough to take the collector from a fresh context: no global gc
    // is left in this process's own context for any module to find.
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as Collect;
    setFlagsFromString('--no-expose-gc');
  }
  const started = performance.now();
  collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return Math.round(performance.now() - started);
}

export interface IdleRelease {
  stop(): void;
}

/**
 * Every `intervalMs`, looks whether the process was idle through the whole interval (its
 * event loop busy under `idleShare` of the time) while its heap has grown by `growthBytes`
 * or more since the last release; then releases once. A busy process is never paused, and
 * a heap that grew because it holds more is released once and taken as the new size.
 */
export function releaseWhenIdle(onRelease: (pauseMs: number, heapBefore: number, heapAfter: number) => void, intervalMs = 15_000, growthBytes = 16 * 1024 * 1024, idleShare = 0.03): IdleRelease {
  let released = process.memoryUsage().heapTotal;
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const busy = performance.eventLoopUtilization(last).utilization;
    last = performance.eventLoopUtilization();
    const heap = process.memoryUsage().heapTotal;
    if (heap < released) released = heap;
    if (busy >= idleShare || heap - released < growthBytes) return;
    const pauseMs = releaseMemory();
    released = process.memoryUsage().heapTotal;
    onRelease(pauseMs, heap, released);
    last = performance.eventLoopUtilization(); // the pause itself is not the next interval's work
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
