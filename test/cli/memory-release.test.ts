// The idle release: a heap that grew is handed back once the process idles, never while it works.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { releaseMemory, releaseWhenIdle } from '../../src/cli/memory-release.ts';

const MB = 1024 * 1024;

/** Grows the heap by about `mb` MB of short-lived objects, then drops them. */
function churn(mb: number): void {
  let kept: number[][] = [];
  for (let i = 0; i < mb * 8; i++) kept.push(Array.from({ length: 16_384 }, (_, j) => j + i));
  kept = [];
  void kept;
}

const waitFor = async (done: () => boolean) => {
  const until = Date.now() + 20_000;
  while (!done()) {
    assert.ok(Date.now() < until, 'not released within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

test('a heap that grew is released after an idle interval, and once only', async () => {
  releaseMemory();
  const releases: Array<{ before: number; after: number }> = [];
  const watch = releaseWhenIdle((_pauseMs, before, after) => releases.push({ before, after }), 300, 8 * MB);
  try {
    churn(64);
    await waitFor(() => releases.length > 0);
    assert.ok(releases[0]!.after < releases[0]!.before, `the heap shrank: ${JSON.stringify(releases[0])}`);
    // Nothing grew since: the next idle intervals release nothing.
    const intervals = Date.now();
    await waitFor(() => Date.now() - intervals > 1000);
    assert.equal(releases.length, 1);
  } finally {
    watch.stop();
  }
});

test('a busy process is not paused, however much its heap grew', async () => {
  releaseMemory();
  let released = 0;
  const watch = releaseWhenIdle(() => released++, 200, 8 * MB);
  try {
    // Keeps the event loop busy across several intervals, growing the heap as it goes.
    const until = Date.now() + 1200;
    while (Date.now() < until) {
      churn(2);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(released, 0);
  } finally {
    watch.stop();
  }
});
