import { describe, expect, it } from "vitest";
import { type Decoding, readRecords } from "../../src/imports/chunk/csv-reader";

/** A stream that hands over `bytes` in pieces of `size`, so boundaries fall anywhere: inside quotes, inside characters. */
function pieces(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

const utf8: Decoding = { label: "utf-8", newline: "\n", delimiter: "," };
const text = 'a,b\n1,"x, ""y""\nz"\n2,Zoë 🎉\n\n3,"end"\n';
const bytes = new TextEncoder().encode(text);

describe("readRecords", () => {
  it.each([1, 2, 3, 5, 7, 64])("reads the same records whatever the read size (%i bytes)", async (size) => {
    const res = await readRecords(pieces(bytes, size), { offset: 0, line: 1 }, utf8, 100, 1_000_000);
    expect(res.eof).toBe(true);
    expect(res.records).toEqual([
      { cells: ["a", "b"], line: 1 },
      { cells: ["1", 'x, "y"\nz'], line: 2 },
      { cells: ["2", "Zoë 🎉"], line: 4 },
      { cells: ["3", "end"], line: 6 },
    ]);
    expect(res.next.offset).toBe(bytes.length);
  });

  it("stops on a record boundary and resumes from the byte offset and line it reports", async () => {
    const first = await readRecords(pieces(bytes, 3), { offset: 0, line: 1 }, utf8, 2, 1_000_000);
    expect(first.eof).toBe(false);
    expect(first.records.map((r) => r.cells[0])).toEqual(["a", "1"]);
    expect(first.next.line).toBe(4);
    const rest = await readRecords(pieces(bytes.slice(first.next.offset), 4), first.next, utf8, 100, 1_000_000);
    expect(rest.records).toEqual([
      { cells: ["2", "Zoë 🎉"], line: 4 },
      { cells: ["3", "end"], line: 6 },
    ]);
  });

  it("counts UTF-16 offsets in bytes", async () => {
    const s = "a,b\r\n1,é\r\n2,z\r\n";
    const le = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) le[i * 2] = s.charCodeAt(i) & 0xff;
    const first = await readRecords(pieces(le, 3), { offset: 0, line: 1 }, { label: "utf-16le", newline: "\r\n", delimiter: "," }, 2, 1e6);
    expect(first.records.map((r) => r.cells)).toEqual([
      ["a", "b"],
      ["1", "é"],
    ]);
    expect(first.next.offset).toBe("a,b\r\n1,é\r\n".length * 2);
  });
});
