import { InputError, describeValue } from "../common/errors";

/**
 * Exponential backoff with "equal jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): the
 * n-th wait is a random time in [cap/2, cap], cap = min(maxDelay, initialDelay · factor^(n−1)). Jitter keeps
 * a fleet of gateways that lost the same server from all reconnecting in the same second when it comes
 * back; the lower bound of cap/2 (instead of full jitter's 0) keeps one gateway from hammering it.
 */
export interface RetryPolicy {
  /** ms, the cap of the first wait */
  initialDelayMs: number;
  /** ms, the largest cap */
  maxDelayMs: number;
  factor: number;
  /** ms after the round's first attempt when the delivery is declared failed */
  deadlineMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  initialDelayMs: 5_000,
  maxDelayMs: 5 * 60_000,
  factor: 2,
  deadlineMs: 60 * 60_000,
};

export function resolveRetryPolicy(options: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options };
  for (const key of ["initialDelayMs", "maxDelayMs", "deadlineMs"] as const) {
    const value = policy[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new InputError(key, `expected a number of ms > 0, got ${describeValue(value)}`);
  }
  if (typeof policy.factor !== "number" || !Number.isFinite(policy.factor) || policy.factor < 1) {
    throw new InputError("factor", `expected a number >= 1, got ${describeValue(policy.factor)}`);
  }
  if (policy.maxDelayMs < policy.initialDelayMs) throw new InputError("maxDelayMs", `expected at least initialDelayMs (${policy.initialDelayMs}), got ${policy.maxDelayMs}`);
  return policy;
}

/**
 * The wait before the attempt after `failedAttempts` failures in this round (1 = after the first), or null
 * when that attempt would start after the deadline. `random` returns [0, 1) (seeded in tests).
 */
export function nextRetryDelay(policy: RetryPolicy, failedAttempts: number, elapsedMs: number, random: () => number): number | null {
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.factor ** Math.max(0, failedAttempts - 1));
  const delay = Math.floor(cap / 2 + (random() * cap) / 2);
  if (elapsedMs + delay >= policy.deadlineMs) return null;
  return delay;
}
