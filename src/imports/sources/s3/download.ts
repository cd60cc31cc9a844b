import { within } from "../../../lib/timeout";
import type { S3Object } from "./client";
import { S3Error } from "./errors";
import { pause, type S3Http, TRIES } from "./request";

/**
 * GetObject from byte `from` on: its answer, the body not read yet. A later part is asked for with
 * a Range request that If-Match pins to the listed version, and must come back as 206.
 */
export async function openObject(http: S3Http, obj: S3Object, from = 0): Promise<Response> {
  const headers: Record<string, string> = from > 0 ? { range: `bytes=${from}-`, "if-match": `"${obj.etag}"` } : {};
  const res = await http.request(http.objectUrl(obj.key), { headers }, async (r) => r); // the body is streamed by the caller, with its own timeout
  if (from > 0 && res.status !== 206) throw new S3Error(res.status, "RangeNotHonoured", "the server ignored a Range request");
  return res;
}

/**
 * Feeds a body into `sink` piece by piece until it ends or breaks: a piece that does not arrive
 * within `timeoutMs` counts as a break, so a stalled body is resumed like one that broke off.
 */
async function pump(body: ReadableStream<Uint8Array>, sink: (bytes: Uint8Array) => Promise<void>, timeoutMs: number) {
  const reader = body.getReader();
  let bytes = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await within(timeoutMs, reader.read());
    } catch {
      await reader.cancel().catch(() => undefined);
      return { bytes, broke: true };
    }
    if (chunk.done) return { bytes, broke: false };
    await sink(chunk.value);
    bytes += chunk.value.byteLength;
  }
}

/**
 * Streams an object into `sink`. If the body breaks off, the rest is asked for from the byte
 * reached, a bounded number of times; the answer is the number of bytes received.
 */
export async function download(http: S3Http, obj: S3Object, sink: (bytes: Uint8Array) => Promise<void>): Promise<number> {
  let received = 0;
  for (let attempt = 0; ; attempt++) {
    const res = await openObject(http, obj, received);
    const { bytes, broke } = await pump(res.body!, sink, http.timeoutMs);
    received += bytes;
    if (!broke && received >= obj.size) return received;
    if (attempt >= TRIES - 1) {
      throw new S3Error(0, "IncompleteBody", `the download of ${obj.key} broke off at byte ${received} of ${obj.size}, ${TRIES} times`);
    }
    await pause(attempt); // the connection broke: resume from `received`
  }
}
