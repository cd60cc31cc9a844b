// The shared poller (tools/wait.mjs), typed for the vitest tests.
import { type Falsy, waitFor as poll, type WaitOptions } from "../../tools/wait.mjs";

export type { WaitOptions };

/** Polls `check` until it gives a truthy value and returns it; fails naming `what` after `timeoutMs`. */
export function waitFor<T>(check: () => T | Promise<T>, options?: WaitOptions): Promise<Exclude<T, Falsy>>;
/** @deprecated Pass `{ what, timeoutMs }`. (This form stays while files the lead edits still call it.) */
export function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs?: number): Promise<Exclude<T, Falsy>>;
export function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions | string = {}, timeoutMs?: number): Promise<Exclude<T, Falsy>> {
  return poll(check, typeof options === "string" ? { what: options, timeoutMs } : options);
}
