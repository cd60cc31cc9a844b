import { Problem } from "../lib/problem";

/** True for application/json and any application/*+json, with or without parameters. */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const type = header.split(";", 1)[0]!.trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/**
 * Reads a JSON request body of at most `limit` bytes. The limit is enforced while streaming, so a
 * body without Content-Length (chunked) can't push an isolate past its memory either.
 * 415 for a non-JSON Content-Type, 413 past the limit, 400 for bytes that are not JSON.
 */
export async function readJsonBody(req: Request, limit: number): Promise<{ value: unknown; bytes: number }> {
  const type = req.headers.get("content-type") ?? undefined;
  if (type !== undefined && !isJsonContentType(type)) {
    throw new Problem(415, `Content-Type must be application/json, not ${type.slice(0, 100)}`);
  }
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (declared > limit) throw tooLarge(limit);
  // With a declared length the runtime holds the body to it, so one read is safe; without one, count as it streams.
  const { text, bytes } = Number.isFinite(declared) ? decodeUtf8(new Uint8Array(await req.arrayBuffer())) : await readLimitedText(req, limit);
  if (bytes === 0) throw new Problem(400, "The request body is empty; send a JSON object");
  try {
    return { value: JSON.parse(text), bytes };
  } catch (err) {
    throw new Problem(400, `The request body is not valid JSON: ${(err as Error).message}`);
  }
}

async function readLimitedText(req: Request, limit: number): Promise<{ text: string; bytes: number }> {
  if (!req.body) return { text: "", bytes: 0 };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return decodeUtf8(all);
}

// One decoder for every request: a non-streaming decode() starts from a clean state each time.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function decodeUtf8(bytes: Uint8Array): { text: string; bytes: number } {
  try {
    return { text: utf8.decode(bytes), bytes: bytes.byteLength };
  } catch {
    throw new Problem(400, "The request body is not valid UTF-8");
  }
}

function tooLarge(limit: number): Problem {
  return new Problem(413, `The request body is larger than ${limit.toLocaleString("en-US")} bytes`);
}
