/**
 * Runs `step` until it reports done or `untilMs` has passed (at least once), with a zero timer
 * between steps; resolves to whether it finished. The scheduler tick moves a split's rows and
 * deletes expired events this way, a bounded step at a time.
 *
 * Why the timer: where Durable Objects live in the caller's own process (`wrangler dev`, tests), a
 * loop of calls to them never waits on I/O, and without it the event loop would not look for new
 * requests until the loop ends: every request to the service would wait that long.
 */
export async function stepUntil(untilMs: number, step: () => Promise<boolean>): Promise<boolean> {
  for (;;) {
    if (await step()) return true;
    if (Date.now() >= untilMs) return false;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}
