/**
 * Polls `check` until it gives a value other than undefined, null or false, which it returns; an error
 * thrown by `check` counts as "not yet" (a server still starting) and is reported if time runs out.
 */
export async function eventually<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs: number, what: string, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** eventually() for a probe whose "not yet" is any falsy value (0, "", null…), with the description first. */
export function waitForValue<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, intervalMs = 200): Promise<T> {
  return eventually(async () => (await probe()) || undefined, timeoutMs, what, intervalMs) as Promise<T>;
}
