import { AwsClient } from "aws4fetch";
import { withRetries } from "../../../lib/retry";
import { answerWithin, within } from "../../../lib/timeout";
import { SourceError } from "../source-error";

export interface S3Config {
  bucket: string;
  region: string;
  endpoint?: string;
  access_key_id: string;
  secret_access_key: string;
}

export interface S3Object {
  key: string;
  etag: string;
  size: number;
}

/** S3 answered with an error that retrying will not fix (403, 404, …): its own code and message. */
export class S3Error extends SourceError {}

const TRIES = 4;

const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) => {
    const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
    if (named[e.toLowerCase()]) return named[e.toLowerCase()]!;
    return String.fromCodePoint(e[1] === "x" || e[1] === "X" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
  });
const tag = (xml: string, name: string) => {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? unescapeXml(m[1]!) : undefined;
};

/** Reads S3's error XML into code and message; never shows the XML itself. */
async function s3Error(res: Response, timeoutMs: number): Promise<S3Error> {
  const body = res.status === 304 || res.headers.get("content-length") === "0" ? "" : await within(timeoutMs, res.text()).catch(() => "");
  const code = tag(body, "Code") ?? (res.status === 404 ? "NotFound" : res.status === 403 ? "AccessDenied" : `HTTP${res.status}`);
  const message = tag(body, "Message") ?? (res.statusText || "no message");
  return new S3Error(res.status, code, message);
}

const retryable = (status: number) => status >= 500 || status === 429;
const pause = (attempt: number) => new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 2000) * (0.5 + Math.random() / 2)));

/**
 * An S3 client on aws4fetch, path-style (`endpoint/bucket/key`), so any S3-compatible store works.
 * `service: "s3"` and the region are always set: aws4fetch can't guess them for a custom host.
 * aws4fetch's own retries are off; ours are bounded and also cover a body that breaks off or stalls.
 */
export function s3Client(cfg: S3Config, { pageSize = 1000, timeoutMs = 30_000 }: { pageSize?: number; timeoutMs?: number } = {}) {
  const aws = new AwsClient({
    accessKeyId: cfg.access_key_id,
    secretAccessKey: cfg.secret_access_key,
    service: "s3",
    region: cfg.region,
    retries: 0,
  });
  const base = (cfg.endpoint ?? `https://s3.${cfg.region}.amazonaws.com`).replace(/\/+$/, "");
  const bucketUrl = `${base}/${encodeURIComponent(cfg.bucket)}`;
  const objectUrl = (key: string) => `${bucketUrl}/${key.split("/").map(encodeURIComponent).join("/")}`;

  /**
   * A request retried on 5xx, 429, network failures and silences; other errors become S3Error.
   * `read` takes what is needed from the answer inside the same try, so a body that breaks off or
   * goes silent is retried like any other failure.
   */
  async function request<T>(url: string, init: RequestInit, read: (res: Response) => Promise<T>): Promise<T> {
    try {
      return await withRetries(
        async () => {
          const res = await answerWithin(timeoutMs, (signal) => aws.fetch(url, { ...init, signal }));
          if (!res.ok) throw await s3Error(res, timeoutMs);
          return read(res);
        },
        (err) => !(err instanceof S3Error) || retryable(err.status),
        TRIES,
        pause,
      );
    } catch (err) {
      if (err instanceof S3Error) throw err;
      throw new S3Error(0, "Unreachable", `the S3 endpoint did not answer after ${TRIES} tries (${String(err)})`);
    }
  }

  return {
    /** Every object under `prefix`, over all pages of ListObjectsV2. */
    async list(prefix: string): Promise<S3Object[]> {
      const out: S3Object[] = [];
      let token: string | undefined;
      do {
        const q = new URLSearchParams({ "list-type": "2", "max-keys": String(pageSize), prefix });
        if (token) q.set("continuation-token", token);
        // No slash before "?": some servers sign the bucket URL without it.
        const xml = await request(`${bucketUrl}?${q}`, {}, (res) => within(timeoutMs, res.text()));
        for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
          const block = m[1]!;
          out.push({
            key: tag(block, "Key") ?? "",
            etag: (tag(block, "ETag") ?? "").replace(/"/g, ""),
            size: Number(tag(block, "Size") ?? 0),
          });
        }
        token = tag(xml, "IsTruncated") === "true" ? tag(xml, "NextContinuationToken") : undefined;
      } while (token);
      return out;
    },

    /**
     * Streams an object into `sink` piece by piece. If the body breaks off, the rest is asked for
     * with a Range request (If-Match pins it to the same version), a bounded number of times.
     */
    async download(obj: S3Object, sink: (bytes: Uint8Array) => Promise<void>): Promise<number> {
      let received = 0;
      for (let attempt = 0; ; attempt++) {
        const headers: Record<string, string> = received > 0 ? { range: `bytes=${received}-`, "if-match": `"${obj.etag}"` } : {};
        const res = await request(objectUrl(obj.key), { headers }, async (r) => r); // the body is streamed below, with its own timeout
        if (received > 0 && res.status !== 206) throw new S3Error(res.status, "RangeNotHonoured", "the server ignored a Range request");
        const reader = res.body!.getReader();
        let broke: unknown = null;
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await within(timeoutMs, reader.read()); // a stalled body resumes with a Range request
          } catch (err) {
            broke = err;
            await reader.cancel().catch(() => undefined);
            break;
          }
          if (chunk.done) break;
          await sink(chunk.value);
          received += chunk.value.byteLength;
        }
        if (!broke && received >= obj.size) return received;
        if (attempt >= TRIES - 1) {
          throw new S3Error(0, "IncompleteBody", `the download of ${obj.key} broke off at byte ${received} of ${obj.size}, ${TRIES} times`);
        }
        await pause(attempt); // the connection broke: resume from `received`
      }
    },
  };
}
