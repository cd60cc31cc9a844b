/** The values `waitFor` never returns: it goes on polling while `check` gives one of them. */
export type Falsy = undefined | null | false | 0 | 0n | "";

export interface WaitOptions {
  /** How long to keep polling before failing (default 10 s). */
  timeoutMs?: number;
  /** The pause between two checks (default 50 ms). */
  intervalMs?: number;
  /** What is waited for, as the timeout error names it ("the run to end"). */
  what?: string;
}

export function waitFor<T>(check: () => T | Promise<T>, options?: WaitOptions): Promise<Exclude<T, Falsy>>;
