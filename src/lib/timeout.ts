import { config } from "../config";

/**
 * Time limits on calls that may never answer. A source (S3, Snowflake) that accepts a connection
 * and then says nothing would hold a queue job until the platform kills it: every call to one must
 * answer (headers, or the next piece of a body) within SOURCE_TIMEOUT_SECONDS; a silent one counts
 * as a failed try and is retried like a 5xx. The health check limits its probes the same way.
 */
export const sourceTimeoutMs = (env: Env) => config(env).sourceTimeoutSeconds * 1000;

export class TimedOut extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms / 1000} s`);
    this.name = "TimedOut";
  }
}

/** Calls `send` with a signal that aborts it unless its response headers arrive within `ms`. */
export async function answerWithin(ms: number, send: (signal: AbortSignal) => Promise<Response>): Promise<Response> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new TimedOut(ms)), ms);
  try {
    return await send(ctl.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** `pending`, or a TimedOut if it takes longer than `ms`. */
export async function within<T>(ms: number, pending: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(ms)), ms);
  });
  try {
    return await Promise.race([pending, late]);
  } finally {
    clearTimeout(timer);
  }
}
