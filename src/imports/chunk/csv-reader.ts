import Papa from "papaparse";
import { byteLength } from "../../lib/bytes";

/** Where reading starts, in bytes of the (decompressed) file, and the file line found there. */
export interface ReadFrom {
  offset: number;
  line: number;
}

export interface CsvRecord {
  cells: string[];
  /** The file line where the record starts (the header is line 1). */
  line: number;
  /** Set when the record could not be read cleanly (a quote never closed). */
  error?: string;
}

export interface ReadResult {
  records: CsvRecord[];
  /** Where the next chunk starts; equal to the file's size once `eof`. */
  next: ReadFrom;
  eof: boolean;
}

/** A fatal problem with the file as a whole: the run fails with `message`. */
export class UnreadableFile extends Error {}

export interface Decoding {
  /** TextDecoder label: "utf-8", "utf-16le", "utf-16be" or "windows-1252" (what browsers call iso-8859-1). */
  label: string;
  newline: "\n" | "\r\n" | "\r";
  delimiter: string;
}

/** A record this long is a runaway quoted field, not data: fail instead of buffering the file. */
const MAX_RECORD_CHARS = 8_000_000;

const unitBytes = (label: string) => (label.startsWith("utf-16") ? 2 : 1);

/** Bytes the decoded `text` occupied in the file. */
function encodedLength(text: string, label: string): number {
  if (label === "utf-8") return byteLength(text);
  return text.length * unitBytes(label);
}

/**
 * Reads up to `maxRows` records (or about `maxChars` characters) from `bytes`, a stream that starts
 * at `from.offset` of the file. Records may span chunks of the stream (quoted line breaks); the
 * result ends on a record boundary, so the next chunk resumes exactly there. Blank lines are
 * skipped but counted.
 */
export async function readRecords(bytes: ReadableStream<Uint8Array>, from: ReadFrom, dec: Decoding, maxRows: number, maxChars: number): Promise<ReadResult> {
  const decoder = new TextDecoder(dec.label, { fatal: true, ignoreBOM: true });
  const parser = new Papa.Parser({ delimiter: dec.delimiter, newline: dec.newline, quoteChar: '"' });
  const nl = dec.newline === "\r" ? "\r" : "\n";
  const records: CsvRecord[] = [];
  let pending = "";
  let offset = from.offset;
  let line = from.line;
  let chars = 0;
  let decodedBytes = from.offset;
  const reader = bytes.getReader();

  const take = (input: string, final: boolean) => {
    const res = parser.parse(input, 0, !final) as { data: string[][]; errors: { code: string; row: number }[]; meta: { cursor: number } };
    const unclosed = new Set(res.errors.filter((e) => e.code === "MissingQuotes").map((e) => e.row));
    res.data.forEach((cells, i) => {
      const start = line;
      line += 1;
      for (const c of cells) if (c.indexOf(nl) !== -1) line += c.split(nl).length - 1;
      if (cells.length === 1 && cells[0] === "") return; // a blank line
      if (unclosed.has(i)) records.push({ cells, line: start, error: "a quoted field is never closed (it runs to the end of the file)" });
      else records.push({ cells, line: start });
    });
    const consumed = final ? input.length : res.meta.cursor;
    offset += encodedLength(input.slice(0, consumed), dec.label);
    chars += consumed;
    return input.slice(consumed);
  };

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      try {
        pending += decoder.decode(value, { stream: true });
      } catch {
        throw new UnreadableFile(
          `The file is not valid ${describe(dec.label)} text near byte ${decodedBytes}; set format.encoding to the file's encoding (utf-8, utf-16 or iso-8859-1)`,
        );
      }
      decodedBytes += value.byteLength;
      // Parse in slices of complete input; keep the unfinished record for the next read.
      pending = take(pending, false);
      if (pending.length > MAX_RECORD_CHARS) {
        throw new UnreadableFile(`A record starting on line ${line} is longer than ${MAX_RECORD_CHARS} characters; is a quote left open?`);
      }
      if (records.length >= maxRows || chars >= maxChars) {
        await reader.cancel();
        return { records, next: { offset, line }, eof: false };
      }
    }
    try {
      pending += decoder.decode();
    } catch {
      throw new UnreadableFile(`The file ends in the middle of a ${describe(dec.label)} character`);
    }
    if (pending.length > 0) take(pending, true);
    return { records, next: { offset, line }, eof: true };
  } finally {
    reader.releaseLock();
  }
}

function describe(label: string): string {
  return label === "windows-1252" ? "ISO-8859-1" : label.toUpperCase().replace("LE", " LE").replace("BE", " BE");
}

/** The line break the file uses, from its first characters: CRLF, LF or (old Mac) CR. */
export function detectNewline(head: string): Decoding["newline"] {
  const lf = head.indexOf("\n");
  const cr = head.indexOf("\r");
  if (lf === -1 && cr === -1) return "\n";
  if (lf === -1) return "\r";
  if (cr !== -1 && cr === lf - 1) return "\r\n";
  if (cr !== -1 && cr < lf) return "\r";
  return "\n";
}
