/**
 * Lets the runtime take in other requests before a loop's next round. Where Durable Objects live in
 * the caller's own process (`wrangler dev`, tests), a loop of calls to them never waits on I/O, and
 * without a timer in between the event loop would not look for new requests until the loop ends:
 * every request to the service would wait that long. Used between the scheduler tick's steps of a
 * split and its pieces of retention.
 */
export const yieldToIo = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
