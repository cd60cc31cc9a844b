import { decodedText, encodedLength, MAX_RECORD_CHARS, type ReadFrom } from "./decoded-text";
import { UnreadableFile } from "./unreadable-file";

/** One line of a JSON-lines file: the object it holds, or why it holds none. */
export type JsonLine = {
  /** The file line (the first line is 1). */
  line: number;
  /** The line as written, without its line break. */
  text: string;
} & ({ ok: true; value: Record<string, unknown> } | { ok: false; error: string });

export interface JsonLinesResult {
  rows: JsonLine[];
  /** Where the next chunk starts; equal to the file's size once `eof`. */
  next: ReadFrom;
  eof: boolean;
}

/** JSON's white space: a line of nothing else holds no value. */
const BLANK = /^[ \t\r]*$/;

/**
 * Reads up to `maxRows` lines (or about `maxChars` characters) of one JSON object each from
 * `bytes`, a stream that starts at `from.offset` of the file, the start of line `from.line`. The
 * result ends after a whole line, so the next chunk resumes exactly there. Lines end with LF or
 * CRLF; blank lines are skipped but counted. A line that is not a JSON object is a row with its
 * error, so one bad line never fails the file.
 */
export async function readJsonLines(
  bytes: ReadableStream<Uint8Array>,
  from: ReadFrom,
  label: string,
  maxRows: number,
  maxChars: number,
): Promise<JsonLinesResult> {
  const cursor = new LineCursor(from, label, maxRows, maxChars);
  let pending = "";
  for await (const text of decodedText(bytes, label, from.offset)) {
    pending = cursor.take(pending + text);
    if (cursor.full()) return cursor.result(false);
    if (pending.length > MAX_RECORD_CHARS) throw new UnreadableFile(`Line ${cursor.line} is longer than ${MAX_RECORD_CHARS} characters`);
  }
  // The last line needs no line break.
  if (pending.length > 0) cursor.add(pending, pending);
  return cursor.result(true);
}

/** The rows read so far, and the byte offset, line and characters they took. */
class LineCursor {
  readonly rows: JsonLine[] = [];
  offset: number;
  line: number;
  private chars = 0;

  constructor(
    from: ReadFrom,
    private readonly label: string,
    private readonly maxRows: number,
    private readonly maxChars: number,
  ) {
    this.offset = from.offset;
    this.line = from.line;
  }

  full(): boolean {
    return this.rows.length >= this.maxRows || this.chars >= this.maxChars;
  }

  /** Takes the complete lines of `input` until the chunk is full, and returns the rest. */
  take(input: string): string {
    let start = 0;
    for (let end = input.indexOf("\n"); end !== -1 && !this.full(); end = input.indexOf("\n", start)) {
      this.add(input.slice(start, end), input.slice(start, end + 1));
      start = end + 1;
    }
    return input.slice(start);
  }

  /** Counts one line, `raw` as it is in the file (its line break included); a blank line is no row. */
  add(line: string, raw: string): void {
    this.offset += encodedLength(raw, this.label);
    this.chars += raw.length;
    const at = this.line;
    this.line += 1;
    if (BLANK.test(line)) return;
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    this.rows.push({ line: at, text, ...parseObject(text) });
  }

  result(eof: boolean): JsonLinesResult {
    return { rows: this.rows, next: { offset: this.offset, line: this.line }, eof };
  }
}

function parseObject(text: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "the line is not valid JSON" };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return { ok: false, error: "the line is JSON but not an object" };
  return { ok: true, value: value as Record<string, unknown> };
}
