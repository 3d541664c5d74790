// A fixed log-scale histogram of durations, for a p95 that survives the deletion of the
// executions it was measured on (daily rollups, store/retention.ts). Bucket i ≥ 1 holds
// durations in (2^((i-1)/4), 2^(i/4)] ms, bucket 0 those of 1 ms or less: four buckets per
// doubling, so a value read back from its bucket (the bucket's geometric middle) is within
// 9% of the true one. 1 ms to a week is 119 buckets; stored sparse ({"index": count}).

const BUCKETS_PER_DOUBLING = 4;

export type DurationHistogram = Record<string, number>;

function durationBucket(ms: number): number {
  if (ms <= 1) return 0;
  return Math.ceil(Math.log2(ms) * BUCKETS_PER_DOUBLING - 1e-9);
}

/** The value a bucket stands for: its geometric middle (1 ms for bucket 0), rounded to the millisecond. */
function bucketValue(index: number): number {
  if (index <= 0) return 1;
  return Math.round(2 ** ((index - 0.5) / BUCKETS_PER_DOUBLING));
}

export function addDuration(histogram: DurationHistogram, ms: number, count = 1): void {
  const key = String(durationBucket(ms));
  histogram[key] = (histogram[key] ?? 0) + count;
}

export function mergeHistograms(into: DurationHistogram, from: DurationHistogram): void {
  for (const [key, count] of Object.entries(from)) into[key] = (into[key] ?? 0) + count;
}

/**
 * Nearest-rank 95th percentile (rank ceil(0.95 × n), ascending) of the histogram, read back
 * as its bucket's value; null when empty. Counts may be fractional (a weighted sample).
 */
export function histogramP95(histogram: DurationHistogram): number | null {
  const buckets = Object.entries(histogram)
    .map(([key, count]) => [Number(key), count] as const)
    .filter(([, count]) => count > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = buckets.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.ceil(0.95 * total - 1e-9);
  let seen = 0;
  for (const [index, count] of buckets) {
    seen += count;
    if (seen >= rank - 1e-9) return bucketValue(index);
  }
  return bucketValue(buckets[buckets.length - 1]![0]);
}
