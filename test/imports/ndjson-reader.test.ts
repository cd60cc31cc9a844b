import { describe, expect, it } from "vitest";
import { readJsonLines } from "../../src/imports/chunk/ndjson-reader";

/** A stream that hands over `bytes` in pieces of `size`, so boundaries fall anywhere: inside lines, inside characters. */
function pieces(bytes: Uint8Array, size: number, onCancel?: () => void): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
    cancel: onCancel,
  });
}

const encode = (text: string) => new TextEncoder().encode(text);
const read = (bytes: Uint8Array, from = { offset: 0, line: 1 }, maxRows = 100, size = 7, maxChars = 1e6) =>
  readJsonLines(pieces(bytes.slice(from.offset), size), from, "utf-8", maxRows, maxChars);

/** Reads the whole file in chunks of `maxRows`, each resuming from the position the last reported. */
async function readAll(bytes: Uint8Array, maxRows: number, size: number) {
  const rows = [];
  const stops = [];
  let from = { offset: 0, line: 1 };
  for (let guard = 0; guard < 100; guard++) {
    const res = await read(bytes, from, maxRows, size);
    rows.push(...res.rows);
    stops.push(res.next);
    from = res.next;
    if (res.eof) break;
  }
  return { rows, stops };
}

const lines = ['{"a":1,"s":"Zoë 🎉"}', '{"a":2,"nested":{"x":[1,2]}}', '{"a":3}', '{"a":4,"s":"line\\nbreak"}', '{"a":5}'];

describe("readJsonLines", () => {
  it.each([1, 2, 3, 5, 64])("reads every line as its object, with its line number, whatever the read size (%i bytes)", async (size) => {
    const bytes = encode(`${lines.join("\n")}\n`);
    const res = await read(bytes, undefined, 100, size);
    expect(res.eof).toBe(true);
    expect(res.rows.map((r) => [r.line, r.ok && r.value.a])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
      [5, 5],
    ]);
    expect(res.rows[0]).toEqual({ line: 1, text: lines[0], ok: true, value: { a: 1, s: "Zoë 🎉" } });
    expect(res.next).toEqual({ offset: bytes.length, line: 6 });
  });

  it("stops after maxRows lines and resumes in the middle from the byte offset and line it reports", async () => {
    const bytes = encode(`${lines.join("\n")}\n`);
    const first = await read(bytes, undefined, 2, 3);
    expect(first.eof).toBe(false);
    expect(first.rows.map((r) => r.line)).toEqual([1, 2]);
    expect(first.next).toEqual({ offset: encode(`${lines[0]}\n${lines[1]}\n`).length, line: 3 });
    const rest = await read(bytes, first.next, 100, 4);
    expect(rest.eof).toBe(true);
    expect(rest.rows.map((r) => [r.line, r.text])).toEqual([
      [3, lines[2]],
      [4, lines[3]],
      [5, lines[4]],
    ]);
  });

  it.each([1, 2, 3, 4])("reads the same rows chunk by chunk (%i lines a chunk) as in one go", async (maxRows) => {
    const bytes = encode(`${lines.join("\n")}\n`);
    const { rows, stops } = await readAll(bytes, maxRows, 5);
    expect(rows).toEqual((await read(bytes)).rows);
    expect(stops.at(-1)).toEqual({ offset: bytes.length, line: 6 });
  });

  it("stops on the character limit at a line's end", async () => {
    const bytes = encode(`${lines.join("\n")}\n`);
    const res = await read(bytes, undefined, 100, 64, lines[0]!.length + 2);
    expect(res.eof).toBe(false);
    expect(res.rows.map((r) => r.line)).toEqual([1, 2]);
    expect(res.next.offset).toBe(encode(`${lines[0]}\n${lines[1]}\n`).length);
  });

  it("reads CRLF lines without their CR, counting the CR's bytes, and resumes after them", async () => {
    const bytes = encode(`${lines.slice(0, 3).join("\r\n")}\r\n`);
    const first = await read(bytes, undefined, 1, 2);
    expect(first.rows).toEqual([{ line: 1, text: lines[0], ok: true, value: { a: 1, s: "Zoë 🎉" } }]);
    expect(first.next).toEqual({ offset: encode(`${lines[0]}\r\n`).length, line: 2 });
    const rest = await read(bytes, first.next, 100, 3);
    expect(rest.rows.map((r) => [r.line, r.text])).toEqual([
      [2, lines[1]],
      [3, lines[2]],
    ]);
    expect(rest.next).toEqual({ offset: bytes.length, line: 4 });
  });

  it.each([
    ["a blank last line", `${lines[0]}\n${lines[1]}\n\n`, 4],
    ["a blank last line with CRLF", `${lines[0]}\r\n${lines[1]}\r\n\r\n`, 4],
    ["no line break after the last line", `${lines[0]}\n${lines[1]}`, 3],
    ["blank lines between", `${lines[0]}\n\n \t\n${lines[1]}\n`, 5],
  ])("skips blank lines but counts them: %s", async (_name, text, nextLine) => {
    const bytes = encode(text);
    const res = await read(bytes);
    expect(res.eof).toBe(true);
    expect(res.rows.map((r) => r.text)).toEqual([lines[0], lines[1]]);
    expect(res.next).toEqual({ offset: bytes.length, line: nextLine });
  });

  it("makes a line that is not a JSON object that row's error, and reads on", async () => {
    const bytes = encode(`${lines[0]}\n{"a": oops\n[1,2]\n42\nnull\n${lines[2]}\n`);
    const res = await read(bytes);
    expect(res.eof).toBe(true);
    expect(res.rows).toEqual([
      { line: 1, text: lines[0], ok: true, value: { a: 1, s: "Zoë 🎉" } },
      { line: 2, text: '{"a": oops', ok: false, error: "the line is not valid JSON" },
      { line: 3, text: "[1,2]", ok: false, error: "the line is JSON but not an object" },
      { line: 4, text: "42", ok: false, error: "the line is JSON but not an object" },
      { line: 5, text: "null", ok: false, error: "the line is JSON but not an object" },
      { line: 6, text: lines[2], ok: true, value: { a: 3 } },
    ]);
  });

  it("cancels the stream when the chunk is full", async () => {
    let cancelled = false;
    const bytes = encode(`${lines.join("\n")}\n`);
    const res = await readJsonLines(
      pieces(bytes, 4, () => {
        cancelled = true;
      }),
      { offset: 0, line: 1 },
      "utf-8",
      1,
      1e6,
    );
    expect(res.rows).toHaveLength(1);
    expect(cancelled).toBe(true);
  });

  it("fails the file on bytes that are not UTF-8", async () => {
    const bytes = Uint8Array.from([...encode('{"a":"'), 0xff, ...encode('"}\n')]);
    await expect(read(bytes)).rejects.toThrow(/not valid UTF-8 text near byte/);
  });
});
