import { byteLength } from "../../lib/bytes";
import { UnreadableFile } from "./unreadable-file";

/** Where reading starts, in bytes of the (decompressed) file, and the file line found there. */
export interface ReadFrom {
  offset: number;
  line: number;
}

/** A record this long is a runaway (a quote left open, a line never ended), not data: fail instead of buffering the file. */
export const MAX_RECORD_CHARS = 8_000_000;

const unitBytes = (label: string) => (label.startsWith("utf-16") ? 2 : 1);

/** Bytes the decoded `text` occupied in the file. */
export function encodedLength(text: string, label: string): number {
  if (label === "utf-8") return byteLength(text);
  return text.length * unitBytes(label);
}

/** The encoding as format.encoding and people name it. */
function describe(label: string): string {
  return label === "windows-1252" ? "ISO-8859-1" : label.toUpperCase().replace("LE", " LE").replace("BE", " BE");
}

/**
 * The text of `bytes`, a stream that starts at byte `start` of the file, decoded with the
 * TextDecoder label `label` piece by piece as the stream delivers it. Text that is not valid in the
 * encoding is an UnreadableFile saying where and what to set. Leaving the loop early cancels the stream.
 */
export async function* decodedText(bytes: ReadableStream<Uint8Array>, label: string, start: number): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder(label, { fatal: true, ignoreBOM: true });
  const reader = bytes.getReader();
  let at = start;
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield decodePiece(decoder, value, label, at);
      at += value.byteLength;
    }
    ended = true;
    const rest = endOfText(decoder, label);
    if (rest) yield rest;
  } finally {
    if (!ended) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function decodePiece(decoder: TextDecoder, piece: Uint8Array, label: string, at: number): string {
  try {
    return decoder.decode(piece, { stream: true });
  } catch {
    throw new UnreadableFile(
      `The file is not valid ${describe(label)} text near byte ${at}; set format.encoding to the file's encoding (utf-8, utf-16 or iso-8859-1)`,
    );
  }
}

/** What the decoder still holds at the end of the stream: an unfinished character is an error. */
function endOfText(decoder: TextDecoder, label: string): string {
  try {
    return decoder.decode();
  } catch {
    throw new UnreadableFile(`The file ends in the middle of a ${describe(label)} character`);
  }
}
