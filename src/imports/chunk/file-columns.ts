import { z } from "zod";
import type { runFiles } from "../../db/schema";
import type { Decoding } from "./csv-reader";

type RunFileRow = typeof runFiles.$inferSelect;

const Header = z.array(z.string());
const Label = z.enum(["utf-8", "utf-16le", "utf-16be", "windows-1252"]);
const Newline = z.enum(["\n", "\r\n", "\r"]);

/**
 * Only the chunk path writes these columns, so a value that fails its check was changed behind its
 * back: that is an error naming the run, the file and the column, never a silently wrong reading.
 */
function corrupt(file: RunFileRow, column: string, what: string): never {
  throw new Error(`Run ${file.runId}, file ${file.fileIndex}: column ${column} ${what}`);
}

/** The header cells the file's first chunk stored (`run_files.header`), or null before that. */
export function fileHeader(file: RunFileRow): string[] | null {
  if (file.header === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(file.header);
  } catch {
    corrupt(file, "header", "is not JSON");
  }
  const parsed = Header.safeParse(value);
  if (!parsed.success) corrupt(file, "header", "is not a JSON array of strings");
  return parsed.data;
}

/**
 * How the file is decoded, as its first chunk (or its fetch) stored it, so later chunks resume
 * without sniffing again; null while nothing is stored.
 */
export function storedDecoding(file: RunFileRow, delimiter: string): { gzip: boolean; decoding: Decoding } | null {
  if (!file.encoding || !file.newline || file.gzip === null) return null;
  const label = Label.safeParse(file.encoding);
  if (!label.success) corrupt(file, "encoding", `holds an unknown label (${file.encoding.slice(0, 40)})`);
  const newline = Newline.safeParse(file.newline);
  if (!newline.success) corrupt(file, "newline", "is not a line break");
  return { gzip: file.gzip, decoding: { label: label.data, newline: newline.data, delimiter } };
}
