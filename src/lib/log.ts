import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Structured JSON logs: one object a line, so Workers Logs can filter on any field. Every line
 * carries the `request_id` of the invocation it belongs to: for HTTP the id also sent back in
 * `x-request-id` and in every problem body; for queue batches and cron ticks, one minted per
 * invocation. It travels in AsyncLocalStorage (compatibility flag nodejs_als), so code deep in the
 * pipeline logs with it without passing it along.
 */
const invocation = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `fn` with `requestId` attached to every log line it (and what it awaits) writes. */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return invocation.run({ requestId }, fn);
}

export function log(level: "debug" | "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, msg, request_id: invocation.getStore()?.requestId ?? null, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
