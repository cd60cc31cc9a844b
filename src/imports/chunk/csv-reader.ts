import Papa from "papaparse";
import { decodedText, encodedLength, MAX_RECORD_CHARS, type ReadFrom } from "./decoded-text";
import { UnreadableFile } from "./unreadable-file";

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

export interface Decoding {
  /** TextDecoder label: "utf-8", "utf-16le", "utf-16be" or "windows-1252" (what browsers call iso-8859-1). */
  label: string;
  newline: "\n" | "\r\n" | "\r";
  delimiter: string;
}

const UNCLOSED = "a quoted field is never closed (it runs to the end of the file)";

/**
 * Reads up to `maxRows` records (or about `maxChars` characters) from `bytes`, a stream that starts
 * at `from.offset` of the file. Records may span chunks of the stream (quoted line breaks); the
 * result ends on a record boundary, so the next chunk resumes exactly there. Blank lines are
 * skipped but counted.
 */
export async function readRecords(bytes: ReadableStream<Uint8Array>, from: ReadFrom, dec: Decoding, maxRows: number, maxChars: number): Promise<ReadResult> {
  const cursor = new CsvCursor(from, dec);
  let pending = "";
  for await (const text of decodedText(bytes, dec.label, from.offset)) {
    // Parse in slices of complete input; keep the unfinished record for the next piece.
    pending = cursor.take(pending + text, false);
    if (pending.length > MAX_RECORD_CHARS) {
      throw new UnreadableFile(`A record starting on line ${cursor.line} is longer than ${MAX_RECORD_CHARS} characters; is a quote left open?`);
    }
    if (cursor.records.length >= maxRows || cursor.chars >= maxChars) return cursor.result(false);
  }
  if (pending.length > 0) cursor.take(pending, true);
  return cursor.result(true);
}

type Parsed = { data: string[][]; errors: { code: string; row: number }[]; meta: { cursor: number } };

/** The records parsed so far, and the byte offset, line and characters they took. */
class CsvCursor {
  readonly records: CsvRecord[] = [];
  offset: number;
  line: number;
  chars = 0;
  private readonly parser: Papa.Parser;
  private readonly label: string;
  private readonly nl: string;

  constructor(from: ReadFrom, dec: Decoding) {
    this.offset = from.offset;
    this.line = from.line;
    this.parser = new Papa.Parser({ delimiter: dec.delimiter, newline: dec.newline, quoteChar: '"' });
    this.label = dec.label;
    this.nl = dec.newline === "\r" ? "\r" : "\n";
  }

  /** Takes the complete records of `input` (all of it when `final`) and returns the unfinished rest. */
  take(input: string, final: boolean): string {
    const res = this.parser.parse(input, 0, !final) as Parsed;
    const unclosed = new Set(res.errors.filter((e) => e.code === "MissingQuotes").map((e) => e.row));
    res.data.forEach((cells, i) => {
      this.add(cells, unclosed.has(i));
    });
    const consumed = final ? input.length : res.meta.cursor;
    this.offset += encodedLength(input.slice(0, consumed), this.label);
    this.chars += consumed;
    return input.slice(consumed);
  }

  result(eof: boolean): ReadResult {
    return { records: this.records, next: { offset: this.offset, line: this.line }, eof };
  }

  /** Counts the record's lines (quoted line breaks too); a blank line is counted but is no record. */
  private add(cells: string[], unclosed: boolean): void {
    const start = this.line;
    this.line += 1;
    for (const c of cells) if (c.indexOf(this.nl) !== -1) this.line += c.split(this.nl).length - 1;
    if (cells.length === 1 && cells[0] === "") return;
    this.records.push(unclosed ? { cells, line: start, error: UNCLOSED } : { cells, line: start });
  }
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
