/**
 * Calls `attempt` until it succeeds, at most `tries` times, pausing `pause(n)` between tries, as
 * long as `retryable(err)` says the failure is worth another try. The last error is rethrown.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  retryable: (err: unknown) => boolean,
  tries: number,
  pause: (n: number) => Promise<unknown>,
): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= tries - 1 || !retryable(err)) throw err;
    }
    await pause(n);
  }
}
/** Exponential backoff for a message's next try: 2 s, 4 s, 8 s … capped at 5 minutes. */
export function backoffSeconds(attempts: number): number {
  return Math.min(2 ** Math.max(1, attempts), 300);
}
