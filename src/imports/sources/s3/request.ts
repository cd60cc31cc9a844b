import { AwsClient } from "aws4fetch";
import { withRetries } from "../../../lib/retry";
import { answerWithin } from "../../../lib/timeout";
import type { S3Config } from "./client";
import { retryable, S3Error, s3Error, unreachable } from "./errors";

/** Tries of one request, and of one download's resumptions. */
export const TRIES = 4;

/** Exponential backoff with jitter, before try `attempt + 1`. */
export const pause = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000) * (0.5 + Math.random() / 2)));

/** Signed, retried requests to one bucket, each answer due within `timeoutMs`. */
export interface S3Http {
  bucketUrl: string;
  objectUrl: (key: string) => string;
  timeoutMs: number;
  /**
   * A request retried on 5xx, 429, network failures and silences; other errors become S3Error.
   * `read` takes what is needed from the answer inside the same try, so a body that breaks off or
   * goes silent is retried like any other failure.
   */
  request: <T>(url: string, init: RequestInit, read: (res: Response) => Promise<T>) => Promise<T>;
}

/**
 * Requests on aws4fetch, path-style (`endpoint/bucket/key`), so any S3-compatible store works.
 * `service: "s3"` and the region are always set: aws4fetch can't guess them for a custom host.
 * aws4fetch's own retries are off; ours are bounded and also cover a body that breaks off or stalls.
 */
export function s3Http(cfg: S3Config, timeoutMs: number): S3Http {
  const aws = new AwsClient({
    accessKeyId: cfg.access_key_id,
    secretAccessKey: cfg.secret_access_key,
    service: "s3",
    region: cfg.region,
    retries: 0,
  });
  const base = (cfg.endpoint ?? `https://s3.${cfg.region}.amazonaws.com`).replace(/\/+$/, "");
  const bucketUrl = `${base}/${encodeURIComponent(cfg.bucket)}`;
  return {
    bucketUrl,
    objectUrl: (key) => `${bucketUrl}/${key.split("/").map(encodeURIComponent).join("/")}`,
    timeoutMs,
    request: (url, init, read) => retried(() => sendOnce(aws, timeoutMs, url, init, read)),
  };
}

/** One signed request: its answer's headers due within `timeoutMs`, an error answer an S3Error. */
async function sendOnce<T>(aws: AwsClient, timeoutMs: number, url: string, init: RequestInit, read: (res: Response) => Promise<T>): Promise<T> {
  const res = await answerWithin(timeoutMs, (signal) => aws.fetch(url, { ...init, signal }));
  if (!res.ok) throw await s3Error(res, timeoutMs);
  return read(res);
}

/** The retry policy: S3's refusals end it at once; anything else is tried again, TRIES times in all. */
async function retried<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await withRetries(attempt, (err) => !(err instanceof S3Error) || retryable(err.status), TRIES, pause);
  } catch (err) {
    if (err instanceof S3Error) throw err;
    throw unreachable(TRIES, err);
  }
}
