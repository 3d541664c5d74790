// Retry backoff: exponential with full jitter on the upper half, so a burst of failures
// does not retry in lockstep: delay = base * 2^(attempt-1), capped, then 50–100% of it.

export interface BackoffPolicy {
  baseSeconds: number;
  maxSeconds: number;
}

export function retryDelayMs(policy: BackoffPolicy, failedAttempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, failedAttempt - 1);
  const ceiling = Math.min(policy.maxSeconds, policy.baseSeconds * 2 ** exponent) * 1000;
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
