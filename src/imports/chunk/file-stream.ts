import type { Format } from "../tasks/task-schema";
import { type Decoding, detectNewline } from "./csv-reader";
import { UnreadableFile } from "./unreadable-file";

/** Drops the first `n` bytes of a stream (resuming inside a gzip file means decompressing up to there). */
function skipBytes(n: number): TransformStream<Uint8Array, Uint8Array> {
  let left = n;
  return new TransformStream({
    transform(chunk, controller) {
      if (left >= chunk.byteLength) {
        left -= chunk.byteLength;
        return;
      }
      controller.enqueue(left > 0 ? chunk.subarray(left) : chunk);
      left = 0;
    },
  });
}

/** The file's bytes from `offset` of its decompressed content, streamed from R2. */
export async function openAt(bucket: R2Bucket, key: string, gzip: boolean, offset: number): Promise<ReadableStream<Uint8Array>> {
  const obj = await bucket.get(key, !gzip && offset > 0 ? { range: { offset } } : undefined);
  if (!obj) throw new UnreadableFile("The staged file is missing from storage");
  if (!gzip) return obj.body;
  const plain = obj.body.pipeThrough(new DecompressionStream("gzip"));
  return offset > 0 ? plain.pipeThrough(skipBytes(offset)) : plain;
}

/** Reads the first bytes of a stream and gives back a stream that still starts with them. */
async function peek(stream: ReadableStream<Uint8Array>, want: number): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < want) {
    const r = await reader.read();
    if (r.done) {
      done = true;
      break;
    }
    parts.push(r.value);
    size += r.value.byteLength;
  }
  const head = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    head.set(p, o);
    o += p.byteLength;
  }
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.byteLength > 0) controller.enqueue(head);
      if (done) controller.close();
    },
    async pull(controller) {
      const r = await reader.read();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head, stream: rest };
}

export interface Sniffed {
  gzip: boolean;
  decoding: Decoding;
  /** Bytes of byte-order mark to skip at the start. */
  bomBytes: number;
}

/**
 * The first bytes of the file's content (decompressed when the file is gzip, which is told by its
 * magic number, not its name), and whether it is gzip.
 */
async function readHead(bucket: R2Bucket, key: string, size: number): Promise<{ gzip: boolean; head: Uint8Array }> {
  if (size === 0) throw new UnreadableFile("The file is empty (0 bytes): an empty file has no header or rows");
  const raw = await bucket.get(key, { range: { offset: 0, length: Math.min(2, size) } });
  if (!raw) throw new UnreadableFile("The staged file is missing from storage");
  const magic = new Uint8Array(await raw.arrayBuffer());
  if (magic.byteLength === 0) throw new UnreadableFile("The file is empty (0 bytes): an empty file has no header or rows");
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  let opened: ReadableStream<Uint8Array>;
  try {
    opened = await openAt(bucket, key, gzip, 0);
  } catch (err) {
    if (err instanceof UnreadableFile) throw err;
    throw new UnreadableFile("The file could not be read");
  }
  try {
    const peeked = await peek(opened, 65_536);
    await peeked.stream.cancel().catch(() => undefined);
    if (peeked.head.byteLength === 0) throw new UnreadableFile("The file is empty (it decompresses to 0 bytes)");
    return { gzip, head: peeked.head };
  } catch (err) {
    if (err instanceof UnreadableFile) throw err;
    throw new UnreadableFile("The file starts like gzip but could not be decompressed");
  }
}

/** The text decoder's label and the byte-order mark's length, from the first bytes and format.encoding. */
function encodingOf(head: Uint8Array, format: Format): { label: string; bomBytes: number } {
  const utf16 = head[0] === 0xff && head[1] === 0xfe ? "utf-16le" : head[0] === 0xfe && head[1] === 0xff ? "utf-16be" : null;
  if (format.encoding === "utf-16") {
    if (!utf16) throw new UnreadableFile("format.encoding is utf-16 but the file has no UTF-16 byte order mark (FF FE or FE FF); is it UTF-8?");
    return { label: utf16, bomBytes: 2 };
  }
  if (utf16) throw new UnreadableFile(`The file is UTF-16 (it starts with a UTF-16 byte order mark); set format.encoding to utf-16`);
  if (head.subarray(0, 4096).includes(0)) throw new UnreadableFile("The file looks binary (it contains NUL bytes), not CSV text");
  const label = format.encoding === "utf-8" ? "utf-8" : "windows-1252";
  const utf8Bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
  return { label, bomBytes: utf8Bom && label === "utf-8" ? 3 : 0 };
}

/**
 * Learns what the file is from its first bytes: gzip or not (by content, not name), the byte-order
 * mark, the line break, and whether it is text at all. Throws UnreadableFile with a reason a person
 * can act on.
 */
export async function sniff(bucket: R2Bucket, key: string, size: number, format: Format): Promise<Sniffed> {
  const { gzip, head } = await readHead(bucket, key, size);
  const { label, bomBytes } = encodingOf(head, format);
  const text = new TextDecoder(label, { fatal: false, ignoreBOM: true }).decode(head.subarray(bomBytes));
  if (label.startsWith("utf-16") && text.slice(0, 2048).includes("\u0000")) {
    throw new UnreadableFile("The file looks binary (it contains NUL characters), not CSV text");
  }
  if (text.trim() === "") throw new UnreadableFile("The file has no header row: it holds only white space");
  return { gzip, bomBytes, decoding: { label, newline: detectNewline(text), delimiter: format.delimiter } };
}
